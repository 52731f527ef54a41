export { findTool, requireOracles } from './oracle.js';
export type { SkipOrFail } from './oracle.js';
export { scratchDir } from './scratch.js';
export type { Teardown } from './scratch.js';
export { run, untrackedEnv } from './run.js';
export type { RunOptions, RunResult } from './run.js';
export { freePort, LineClient, startUcspiServer } from './ucspi-server.js';
export type { UcspiServer, UcspiServerOptions } from './ucspi-server.js';
export { copyTree } from './copy-tree.js';
