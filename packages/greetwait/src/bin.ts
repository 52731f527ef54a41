import { runMain } from '@mailfront/core';
import { main, PROGRAM } from './main.js';

// Exec mode: fd 0 is watched one byte at a time and not read at all after
// the wait, so the SMTP server exec'd next gets everything a patient client sends.
runMain(PROGRAM, (argv, env, io) => main(argv, env, io, { descriptor: 0 }));
