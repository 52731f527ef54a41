import { runMain } from '@mailfront/core';
import { main, PROGRAM } from './main.js';

runMain(PROGRAM, (argv, env, io) => main(argv, env, io));
