/**
 * The one QMQP package of a connection (reference §3.3, ucspi-qmail §4.3):
 * `<len>:netstring(message) netstring(sender) netstring(recipient)... ,`.
 *
 * Unlike mailfront, which reads the wrapper length and ignores it, the
 * whole package is read through a window of exactly that length: an inner
 * netstring that runs past it, or a package that ends before it, is the die
 * `Invalid wrapper netstring` (qmail-qmqpd refuses such packages too).
 *
 * The hooks run as in mailfront: reset, data start and the body first, then
 * the sender and each recipient as they are read, until the first error;
 * the remaining recipients are still read and logged. One answer.
 */
import { LimitedSource, NetstringError, readNetstringEnd, readNetstringLength, type ByteSource, type Reply } from '@mailfront/core';
import { isErrorResponse, type Response } from '../../engine/response.js';
import { describeAddress, readAddress } from '../qmtp/address.js';
import { streamBody } from '../qmtp/body.js';
import { asReply, ProtocolDie, type NetstringLink } from '../qmtp/link.js';
import type { QmqpConfig } from './config.js';
import {
  BAD_RECIPIENT,
  BAD_SENDER,
  BAD_TERMINATOR,
  EOF_BEFORE_END,
  EOF_BODY,
  EOF_COMMA,
  EOF_RECIPIENTS,
  EOF_SENDER,
  INVALID_BODY,
  INVALID_WRAPPER,
  LENGTH_TOO_LONG,
  ZERO_LENGTH,
} from './replies.js';

const COMMA = 0x2c;

const errorOf = (r: Response | undefined) => (isErrorResponse(r) ? r : undefined);

/** The next byte without taking it; null at the end of the input. */
async function peekByte(source: ByteSource, timeoutMs: number): Promise<number> {
  for (;;) {
    const chunk = await source.read(timeoutMs);
    if (chunk === null) throw new NetstringError('eof', 'input ended before the next recipient');
    if (chunk.length === 0) continue;
    source.unread(chunk);
    return chunk[0]!;
  }
}

/** Reads the package and runs the hooks; resolves with the answer, or null if there was no package. */
export async function receiveQmqpPackage(link: NetstringLink, config: QmqpConfig): Promise<Reply | null> {
  const length = await link.openingLength(config.maxPackage, INVALID_WRAPPER, LENGTH_TOO_LONG);
  if (length === null) return null;
  const { engine, input } = link;
  const pkg = new LimitedSource(input, length);
  const frame = { source: pkg, exhausted: INVALID_WRAPPER };
  let failure = errorOf(await link.safely(() => engine.reset()));

  const bodyTexts = { eof: EOF_BODY, format: INVALID_BODY, tooLong: INVALID_WRAPPER, frame };
  const bodyLength = await link.guard((t) => readNetstringLength(pkg, pkg.remaining, t), bodyTexts);
  if (bodyLength === 0) throw new ProtocolDie(ZERO_LENGTH);
  failure ??= errorOf(await link.safely(() => engine.data.start()));
  await streamBody(link, new LimitedSource(pkg, bodyLength), { deliver: failure === undefined, eofText: EOF_BODY, frame });
  await link.guard((t) => readNetstringEnd(pkg, t), { eof: EOF_COMMA, format: BAD_TERMINATOR, tooLong: BAD_TERMINATOR, frame });

  const senderTexts = { eof: EOF_SENDER, format: BAD_SENDER, tooLong: INVALID_WRAPPER, frame };
  const sender = await readAddress(link, pkg, pkg.remaining, senderTexts, 'sender');
  link.log.info(describeAddress('sender', sender));
  let refusal = failure ?? errorOf(sender.problem ?? (await link.safely(() => engine.sender({ address: sender.address, params: [] }))));

  const recipientTexts = { eof: EOF_RECIPIENTS, format: BAD_RECIPIENT, tooLong: INVALID_WRAPPER, frame };
  while (pkg.remaining > 0) {
    const next = await link.guard((t) => peekByte(pkg, t), { eof: EOF_BEFORE_END, format: BAD_RECIPIENT, tooLong: BAD_RECIPIENT });
    // The package ends here, before the length its wrapper declared.
    if (next === COMMA) throw new ProtocolDie(INVALID_WRAPPER);
    const field = await readAddress(link, pkg, pkg.remaining, recipientTexts, 'recipient');
    link.log.info(describeAddress('recipient', field));
    if (refusal) continue;
    refusal = errorOf(field.problem ?? (await link.safely(() => engine.recipient({ address: field.address, params: [] }))));
  }
  await link.guard((t) => readNetstringEnd(input, t), { eof: EOF_BEFORE_END, format: INVALID_WRAPPER, tooLong: INVALID_WRAPPER });

  if (!refusal) return link.finishMessage();
  await link.dropMessage();
  const reply = asReply(refusal);
  link.logError(reply);
  return reply;
}
