import { runMain } from '@mailfront/core';
import { main, PROGRAM } from './main.js';

runMain(PROGRAM, main);
