import { formatSmtpReply } from '@mailfront/core';
import { binaryBytes } from '../../util/binary-string.js';
import type { Protocol } from '../protocol.js';
import { smtpConfig, type SmtpConfig } from './config.js';
import { SmtpConnection } from './connection.js';

export const smtp: Protocol<SmtpConfig> = {
  name: 'SMTP',
  configure: smtpConfig,
  frame: (reply) => binaryBytes(formatSmtpReply(reply)),
  run: ({ engine, input, output, connection, windDown }, config) => new SmtpConnection({ engine, input, output, config, connection, windDown }).run(),
};
