import { runMain } from '@mailfront/core';
import { PROGRAM } from './log.js';
import { main } from './main.js';
import { processPort } from './process-port.js';

const port = processPort();
// The listener handles SIGTERM, SIGINT and SIGHUP itself (drain, reload) and
// returns from main when it has stopped; runMain then flushes the log.
runMain(PROGRAM, (argv, env, io) => main(argv, env, io, port), { ownSignals: true, ownCrashes: true });
