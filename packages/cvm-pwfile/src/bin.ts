import { runMain } from '@mailfront/core';
import { main } from './main.js';

runMain('cvm-pwfile', main);
