import type { Protocol } from '../protocol.js';
import { qmtpConfig, type QmtpConfig } from './config.js';
import { runQmtp } from './connection.js';
import { frameResponse } from './replies.js';

/** QMTP (reference §3.2): `mailfront-qmtpd BACKEND [PLUGIN ...]`. */
export const qmtp: Protocol<QmtpConfig> = {
  name: 'QMTP',
  configure: (env) => qmtpConfig(env),
  frame: frameResponse,
  run: runQmtp,
};
