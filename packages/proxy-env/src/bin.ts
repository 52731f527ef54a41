import { runMain } from '@mailfront/core';
import { main, PROGRAM } from './main.js';

// Exec mode: the header is read from fd 0 in exact pieces, so the session's
// bytes stay in the kernel for the program exec'd next.
runMain(PROGRAM, (argv, env, io) => main(argv, env, io, { descriptor: 0 }));
