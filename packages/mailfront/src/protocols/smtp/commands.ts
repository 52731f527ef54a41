/**
 * The built-in SMTP commands (reference §2.4), one handler each.
 *
 * Deliberate differences from mailfront 2.12 (docs/compat.md): HELO and
 * EHLO end the transaction as RSET does (2.12 keeps MAIL/RCPT state although
 * its reset hooks have emptied the backend's envelope), and a completed
 * message ends the transaction (2.12 accepts a second DATA and queues again
 * with a corrupt envelope).
 */
import { isErrorResponse, ACCEPTED_RECIPIENT, ACCEPTED_SENDER, toReply } from '../../engine/response.js';
import { parseAddressArgument } from './address.js';
import { CONTINUE, type Next, type SmtpConnection } from './connection.js';
import { receiveMessage } from './data.js';
import {
  ADDRESS_TOO_LONG,
  BAD_ADDRESS,
  GOODBYE,
  HELP_REPLY,
  MAIL_FIRST,
  NO_PARAMETERS_ALLOWED,
  OK,
  RCPT_FIRST,
  READY_FOR_TLS,
  VRFY_REPLY,
} from './replies.js';

type Handler = (c: SmtpConnection, argument: string) => Promise<Next> | Next;


/** Fixed EHLO capabilities, after those the plugins add, in mailfront's order. */
const BASE_CAPABILITIES = ['8BITMIME', 'ENHANCEDSTATUSCODES', 'PIPELINING'];

/** Runs the reset hooks; a failing reset ends the session as mailfront does (status 0). */
async function resetTransaction(c: SmtpConnection): Promise<Next> {
  c.clearTransaction();
  const r = await c.engine.reset();
  if (isErrorResponse(r)) {
    c.reply(toReply(r, OK));
    return { exit: 0 };
  }
  return CONTINUE;
}

const helo: Handler = async (c, argument) => {
  const next = await resetTransaction(c);
  if (next !== CONTINUE) return next;
  const r = await c.engine.helo(argument, []);
  c.reply(toReply(r, { code: 250, text: c.config.domain }));
  return CONTINUE;
};

const ehlo: Handler = async (c, argument) => {
  c.engine.session.protocol = 'ESMTP';
  const next = await resetTransaction(c);
  if (next !== CONTINUE) return next;
  const capabilities: string[] = [];
  const r = await c.engine.helo(argument, capabilities);
  if (isErrorResponse(r)) {
    c.reply(toReply(r, OK));
    return CONTINUE;
  }
  // mailfront 2.20 advertises STARTTLS after PIPELINING.
  const tls = offersStartTls(c) ? ['STARTTLS'] : [];
  c.reply({ code: 250, text: [c.config.domain, ...capabilities, ...BASE_CAPABILITIES, ...tls].join('\n') });
  return CONTINUE;
};

function offersStartTls(c: SmtpConnection): boolean {
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

/** Parses a MAIL/RCPT argument and runs the hooks; true when the address was accepted. */
async function offerAddress(c: SmtpConnection, argument: string, hook: 'sender' | 'recipient'): Promise<boolean> {
  const parsed = parseAddressArgument(argument);
  if (!parsed.ok) {
    c.reply(parsed.problem === 'too-long' ? ADDRESS_TOO_LONG : BAD_ADDRESS);
    return false;
  }
  const reply =
    hook === 'sender'
      ? toReply(await c.engine.sender(parsed), ACCEPTED_SENDER)
      : toReply(await c.engine.recipient(parsed), ACCEPTED_RECIPIENT);
  c.reply(reply);
  return reply.code < 400;
}

const mail: Handler = async (c, argument) => {
  c.log.info(`MAIL ${argument}`);
  const next = await resetTransaction(c);
  if (next !== CONTINUE) return next;
  if (await offerAddress(c, argument, 'sender')) c.sawMail = true;
  return CONTINUE;
};

const rcpt: Handler = async (c, argument) => {
  c.log.info(`RCPT ${argument}`);
  if (!c.sawMail) {
    c.reply(MAIL_FIRST);
    return CONTINUE;
  }
  if (await offerAddress(c, argument, 'recipient')) c.sawRcpt = true;
  return CONTINUE;
};

const data: Handler = async (c) => {
  if (!c.sawMail) {
    c.reply(MAIL_FIRST);
    return CONTINUE;
  }
  if (!c.sawRcpt) {
    c.reply(RCPT_FIRST);
    return CONTINUE;
  }
  const next = await receiveMessage(c);
  if (next !== CONTINUE) return next;
  // The transaction is over, whatever the outcome: the next message needs a new MAIL.
  c.clearTransaction();
  await c.engine.reset();
  return CONTINUE;
};

const rset: Handler = async (c) => {
  const next = await resetTransaction(c);
  if (next === CONTINUE) c.reply(OK);
  return next;
};

const quit: Handler = (c) => {
  c.reply(GOODBYE);
  return { exit: 0 };
};

const constant =
  (reply: typeof OK): Handler =>
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
  RSET: rset,
  NOOP: constant(OK),
  VRFY: constant(VRFY_REPLY),
  HELP: constant(HELP_REPLY),
  QUIT: quit,
  STARTTLS: starttls,
};

/** Commands that exist only in some sessions; elsewhere they are unknown verbs. */
const AVAILABLE: Record<string, (c: SmtpConnection) => boolean> = { STARTTLS: offersStartTls };

export function builtinCommand(verb: string, c: SmtpConnection): Handler | undefined {
  if (!Object.hasOwn(HANDLERS, verb)) return undefined;
  return (AVAILABLE[verb]?.(c) ?? true) ? HANDLERS[verb] : undefined;
}
