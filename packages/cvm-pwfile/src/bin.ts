import { runMain } from '@mailfront/core';
import { processWorkerPort } from '@mailfront/cvm';
import { main } from './main.js';

runMain('cvm-pwfile', (argv, env, io) => main(argv, env, io, processWorkerPort()));
