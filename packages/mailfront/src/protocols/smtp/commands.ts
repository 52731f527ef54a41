/**
 * The built-in SMTP commands (reference §2.4), one handler each.
 *
 * Deliberate differences from mailfront 2.12 (docs/compat.md): HELO and
 * EHLO end the transaction as RSET does (2.12 keeps MAIL/RCPT state although
 * its reset hooks have emptied the backend's envelope), and a completed
 * message ends the transaction (2.12 accepts a second DATA and queues again
 * with a corrupt envelope).
 */
import type { Reply } from '@mailfront/core';
import { isErrorResponse, toReply } from '../../engine/response.js';
import { bdat } from './bdat.js';
import { receiveMessage } from './data.js';
import { offerAddress } from './envelope.js';
import {
  BDAT_IN_PROGRESS,
  GOODBYE,
  HELP_REPLY,
  MAIL_FIRST,
  NO_PARAMETERS_ALLOWED,
  OK,
  RCPT_FIRST,
  READY_FOR_TLS,
  VRFY_REPLY,
} from './replies.js';
import { CONTINUE, type Next, type SmtpContext } from './state.js';
import { andThen, type Awaitable } from '../../util/awaitable.js';

/** A handler answers at once when every hook it runs does (util/awaitable.ts). */
type Handler = (c: SmtpContext, argument: string) => Awaitable<Next>;

/** Fixed EHLO capabilities, after those the plugins add, in mailfront's order. */
const BASE_CAPABILITIES = ['8BITMIME', 'ENHANCEDSTATUSCODES', 'PIPELINING'];

/** Runs the reset hooks; a failing reset ends the session as mailfront does (status 0). */
function resetTransaction(c: SmtpContext): Awaitable<Next> {
  c.transaction.clear();
  return andThen(c.engine.reset(), (r) => {
    if (isErrorResponse(r)) {
      c.reply(toReply(r, OK));
      return { exit: 0 };
    }
    return CONTINUE;
  });
}

/** Resets the transaction, then goes on with `then` unless the reset ended the session. */
function afterReset(c: SmtpContext, then: () => Awaitable<Next>): Awaitable<Next> {
  return andThen(resetTransaction(c), (next) => (next === CONTINUE ? then() : next));
}

const helo: Handler = (c, argument) =>
  afterReset(c, () =>
    andThen(c.engine.helo(argument, []), (r) => {
      c.reply(toReply(r, { code: 250, text: c.config.domain }));
      return CONTINUE;
    }),
  );

const ehlo: Handler = (c, argument) => {
  c.engine.session.protocol = 'ESMTP';
  return afterReset(c, () => {
    const capabilities: string[] = [];
    return andThen(c.engine.helo(argument, capabilities), (r) => {
      if (isErrorResponse(r)) {
        c.reply(toReply(r, OK));
        return CONTINUE;
      }
      c.reply({ code: 250, text: [c.config.domain, ...capabilities, ...ourCapabilities(c)].join('\n') });
      return CONTINUE;
    });
  });
};

/**
 * mailfront's three, then the extensions it lacks; STARTTLS last, after
 * PIPELINING, as mailfront 2.20 has it. The new keywords sit before
 * PIPELINING so that the end of the list stays as mailfront writes it.
 */
function ourCapabilities(c: SmtpContext): string[] {
  const [eightBit, enhanced, pipelining] = BASE_CAPABILITIES;
  return [
    eightBit!,
    enhanced!,
    ...(c.config.chunking ? ['CHUNKING'] : []),
    ...(c.config.smtputf8 ? ['SMTPUTF8'] : []),
    pipelining!,
    ...(offersStartTls(c) ? ['STARTTLS'] : []),
  ];
}

function offersStartTls(c: SmtpContext): boolean {
  return c.config.tls !== undefined && c.connection !== undefined && !c.engine.session.tls;
}

/**
 * STARTTLS (RFC 3207): after the handshake everything learnt from the
 * client before it is forgotten (the HELO name, the transaction), and the
 * client must say EHLO again. Bytes it sent ahead of the handshake are
 * thrown away by startTls, never executed.
 */
const starttls: Handler = async (c, argument) => {
  if (argument !== '') {
    c.reply(NO_PARAMETERS_ALLOWED);
    return CONTINUE;
  }
  c.reply(READY_FOR_TLS);
  if (!(await c.switchToTls())) return { exit: 1 };
  c.engine.session.heloDomain = undefined;
  return resetTransaction(c);
};

/** A reply in place of the command while a BDAT message is in progress (RFC 3030 §2). */
function refusedDuringChunking(c: SmtpContext): boolean {
  if (!c.transaction.chunking) return false;
  c.reply(BDAT_IN_PROGRESS);
  return true;
}

const mail: Handler = (c, argument) => {
  c.log.info(`MAIL ${argument}`);
  if (refusedDuringChunking(c)) return CONTINUE;
  return afterReset(c, () =>
    andThen(offerAddress(c, argument, 'sender'), (accepted) => {
      if (accepted) c.transaction.sawMail = true;
      return CONTINUE;
    }),
  );
};

const rcpt: Handler = (c, argument) => {
  c.log.info(`RCPT ${argument}`);
  if (refusedDuringChunking(c)) return CONTINUE;
  if (!c.transaction.sawMail) {
    c.reply(MAIL_FIRST);
    return CONTINUE;
  }
  return andThen(offerAddress(c, argument, 'recipient'), (accepted) => {
    if (accepted) c.transaction.sawRcpt = true;
    return CONTINUE;
  });
};

const data: Handler = async (c) => {
  if (refusedDuringChunking(c)) return CONTINUE;
  if (!c.transaction.sawMail) {
    c.reply(MAIL_FIRST);
    return CONTINUE;
  }
  if (!c.transaction.sawRcpt) {
    c.reply(RCPT_FIRST);
    return CONTINUE;
  }
  const next = await receiveMessage(c);
  if (next !== CONTINUE) return next;
  // The transaction is over, whatever the outcome: the next message needs a new MAIL.
  c.transaction.clear();
  await c.engine.reset();
  return CONTINUE;
};

const rset: Handler = (c) =>
  andThen(resetTransaction(c), (next) => {
    if (next === CONTINUE) c.reply(OK);
    return next;
  });

const quit: Handler = (c) => {
  c.reply(GOODBYE);
  return { exit: 0 };
};

const constant =
  (reply: Reply): Handler =>
  (c) => {
    c.reply(reply);
    return CONTINUE;
  };

const HANDLERS: Record<string, Handler> = {
  HELO: helo,
  EHLO: ehlo,
  MAIL: mail,
  RCPT: rcpt,
  DATA: data,
  BDAT: bdat,
  RSET: rset,
  NOOP: constant(OK),
  VRFY: constant(VRFY_REPLY),
  HELP: constant(HELP_REPLY),
  QUIT: quit,
  STARTTLS: starttls,
};

/** Commands that exist only in some sessions; elsewhere they are unknown verbs. */
const AVAILABLE: Record<string, (c: SmtpContext) => boolean> = {
  STARTTLS: offersStartTls,
  BDAT: (c) => c.config.chunking,
};

export function builtinCommand(verb: string, c: SmtpContext): Handler | undefined {
  if (!Object.hasOwn(HANDLERS, verb)) return undefined;
  return (AVAILABLE[verb]?.(c) ?? true) ? HANDLERS[verb] : undefined;
}
