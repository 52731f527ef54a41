import { runMain } from '@mailfront/core';
import { PROGRAM } from './log.js';
import { main } from './main.js';
import { processPort } from './process-port.js';

const port = processPort();
runMain(PROGRAM, (argv, env, io) => main(argv, env, io, port));
