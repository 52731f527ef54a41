/**
 * The TRANSACTION state (RFC 1939) over one Maildir: STAT, LIST, UIDL,
 * RETR, TOP, DELE, NOOP, LAST, RSET, CAPA and QUIT.
 *
 * Where pop3front-maildir is wrong, this follows RFC 1939 instead (each
 * difference is in docs/compat.md): RSET only undeletes (no re-scan, so
 * message numbers stay valid and read marks stay), `RETR n k` is a syntax
 * error, `TOP n` without a line count is a syntax error and TOP never marks
 * a message read, and no blank line is added at the end of a message.
 */
import { join } from 'node:path';
import { commitChanges } from './commit.js';
import type { Command, Pop3Connection } from './connection.js';
import type { Message } from './maildir.js';
import { sendMessage, UnreadableMessage } from './retrieve.js';
import { CAPABILITIES, DELETED, NO_OPEN, OK, OUT_OF_RANGE, SYNTAX_ERROR, UNIMPLEMENTED } from './replies.js';

type Handler = (session: MaildirSession, argument: string) => Promise<boolean | void> | boolean | void;

/** Lines of LIST/UIDL are sent in batches of about this many bytes. */
const BATCH = 32 * 1024;

export class MaildirSession {
  constructor(
    readonly connection: Pop3Connection,
    readonly maildir: string,
    readonly messages: Message[],
  ) {}

  /** Runs commands until QUIT (returns true: commit) or the end of the connection (false). */
  async run(): Promise<boolean> {
    for (;;) {
      const command = await this.connection.readCommand((verb) => Object.hasOwn(HANDLERS, verb));
      if (command === 'eof' || command === 'timeout') return false;
      if (await this.dispatch(command)) {
        commitChanges(this.maildir, this.messages, this.connection.log);
        this.connection.reply(OK);
        return true;
      }
    }
  }

  async dispatch({ verb, argument }: Command): Promise<boolean> {
    const handler = HANDLERS[verb];
    if (handler === undefined) {
      this.connection.reply(UNIMPLEMENTED);
      return false;
    }
    return (await handler(this, argument)) === true;
  }

  /**
   * The message a number names, or undefined after the error reply. For
   * RETR and TOP (`lenient`) a word that is not a number names no message
   * (out of range), as in pop3front-maildir; elsewhere it is a syntax error.
   */
  message(text: string, lenient = false): Message | undefined {
    const numeric = /^[0-9]+$/.test(text);
    if (!numeric && (!lenient || text === '' || text.startsWith('-'))) {
      this.connection.reply(SYNTAX_ERROR);
      return undefined;
    }
    const n = numeric ? Number(text) : 0;
    const message = n >= 1 && n <= this.messages.length ? this.messages[n - 1] : undefined;
    if (message === undefined) this.connection.reply(OUT_OF_RANGE);
    else if (message.deleted) this.connection.reply(DELETED);
    else return message;
    return undefined;
  }

  async listing(argument: string, field: (m: Message) => string | number): Promise<void> {
    if (argument !== '') {
      const message = this.message(argument);
      if (message) this.connection.reply(`+OK ${argument.replace(/^0+(?=.)/, '')} ${field(message)}`);
      return;
    }
    this.connection.reply(OK);
    let batch = '';
    for (let i = 0; i < this.messages.length; i++) {
      const m = this.messages[i]!;
      if (!m.deleted) batch += `${i + 1} ${field(m)}\r\n`;
      if (batch.length >= BATCH) {
        await this.connection.write(Buffer.from(batch, 'latin1'));
        batch = '';
      }
    }
    await this.connection.write(Buffer.from(batch + '.\r\n', 'latin1'));
  }

  async retrieve(message: Message, bodyLines?: number): Promise<void> {
    try {
      await sendMessage(join(this.maildir, message.dir, message.name), this.connection, bodyLines);
    } catch (e) {
      if (!(e instanceof UnreadableMessage)) throw e;
      this.connection.log.warn(`unable to read message ${message.dir}/${message.name}: ${e.message}`);
      this.connection.reply(NO_OPEN);
      return;
    }
    this.connection.log.info(OK);
    if (bodyLines === undefined) message.read = true;
  }
}

/** A command that takes no argument. */
function bare(run: (s: MaildirSession) => Promise<boolean | void> | boolean | void): Handler {
  return (session, argument) => {
    if (argument !== '') {
      session.connection.reply(SYNTAX_ERROR);
      return;
    }
    return run(session);
  };
}

const HANDLERS: Record<string, Handler> = {
  // After authentication there is no SASL line, as in pop3front-maildir.
  CAPA: bare(async (s) => {
    s.connection.reply(OK);
    await s.connection.write(Buffer.from([...CAPABILITIES, '.'].map((l) => l + '\r\n').join('')));
  }),
  STAT: bare((s) => {
    const live = s.messages.filter((m) => !m.deleted);
    s.connection.reply(`+OK ${live.length} ${live.reduce((n, m) => n + m.size, 0)}`);
  }),
  LIST: (s, argument) => s.listing(argument, (m) => m.size),
  UIDL: (s, argument) => s.listing(argument, (m) => m.uid),
  RETR: async (s, argument) => {
    const message = argument.includes(' ') ? s.connection.reply(SYNTAX_ERROR) : s.message(argument, true);
    if (message) await s.retrieve(message);
  },
  TOP: async (s, argument) => {
    const match = /^([^ ]+) +([0-9]+)$/.exec(argument);
    if (match === null) return s.connection.reply(SYNTAX_ERROR);
    const message = s.message(match[1]!, true);
    if (message) await s.retrieve(message, Number(match[2]!));
  },
  DELE: (s, argument) => {
    const message = s.message(argument);
    if (message === undefined) return;
    message.deleted = true;
    s.connection.reply(OK);
  },
  NOOP: bare((s) => s.connection.reply(OK)),
  LAST: bare((s) => {
    let last = 0;
    s.messages.forEach((m, i) => {
      if (m.read) last = i + 1;
    });
    s.connection.reply(`+OK ${last}`);
  }),
  RSET: bare((s) => {
    for (const m of s.messages) m.deleted = m.missing === true;
    s.connection.reply(OK);
  }),
  QUIT: bare(() => true),
};
