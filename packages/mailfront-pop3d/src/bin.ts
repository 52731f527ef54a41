import { runMain } from '@mailfront/core';
import { main } from './main.js';

runMain('mailfront-pop3d', main);
