/**
 * MAIL and RCPT: the address argument, the checks the protocol makes before
 * any plugin sees it, and the hooks.
 *
 * SMTPUTF8 (RFC 6531): a MAIL with the SMTPUTF8 parameter opens a
 * transaction whose addresses may be UTF-8; without it a non-ASCII address
 * is refused with 5.6.7 (550 at MAIL, 553 at RCPT, §3.7.4), and with it
 * only valid UTF-8 passes. BODY=BINARYMIME is refused: it is not offered,
 * because the qmail queue stores lines, not binary content.
 */
import type { Reply } from '@mailfront/core';
import { ACCEPTED_RECIPIENT, ACCEPTED_SENDER, toReply } from '../../engine/response.js';
import { addressCharset } from '../../util/address-charset.js';
import { parseAddressArgument } from './address.js';
import {
  ADDRESS_TOO_LONG,
  BAD_ADDRESS,
  BAD_UTF8_RECIPIENT,
  BAD_UTF8_SENDER,
  BINARYMIME_UNSUPPORTED,
  NON_ASCII_RECIPIENT,
  NON_ASCII_SENDER,
} from './replies.js';
import type { SmtpContext } from './state.js';
import { andThen, type Awaitable } from '../../util/awaitable.js';

type Hook = 'sender' | 'recipient';

const hasParam = (params: readonly string[], name: string) => params.some((p) => p.toUpperCase() === name);

/** Why the protocol refuses the address before the plugins, if it does. */
function charsetProblem(address: string, hook: Hook, utf8: boolean): Reply | undefined {
  const charset = addressCharset(address);
  if (charset === 'ascii') return undefined;
  if (!utf8) return hook === 'sender' ? NON_ASCII_SENDER : NON_ASCII_RECIPIENT;
  if (charset === 'invalid') return hook === 'sender' ? BAD_UTF8_SENDER : BAD_UTF8_RECIPIENT;
  return undefined;
}

/** Parses a MAIL/RCPT argument and runs the hooks; true when the address was accepted. */
export function offerAddress(c: SmtpContext, argument: string, hook: Hook): Awaitable<boolean> {
  const parsed = parseAddressArgument(argument);
  if (!parsed.ok) {
    c.reply(parsed.problem === 'too-long' ? ADDRESS_TOO_LONG : BAD_ADDRESS);
    return false;
  }
  if (hook === 'sender') {
    if (hasParam(parsed.params, 'BODY=BINARYMIME')) {
      c.reply(BINARYMIME_UNSUPPORTED);
      return false;
    }
    c.transaction.utf8 = c.config.smtputf8 && hasParam(parsed.params, 'SMTPUTF8');
  }
  const problem = charsetProblem(parsed.address, hook, c.transaction.utf8);
  if (problem) {
    c.reply(problem);
    return false;
  }
  c.engine.session.utf8 = c.transaction.utf8;
  const answer = hook === 'sender' ? c.engine.sender(parsed) : c.engine.recipient(parsed);
  return andThen(answer, (r) => {
    const reply = toReply(r, hook === 'sender' ? ACCEPTED_SENDER : ACCEPTED_RECIPIENT);
    c.reply(reply);
    return reply.code < 400;
  });
}
