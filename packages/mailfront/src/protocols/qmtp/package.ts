/**
 * One QMTP package: `netstring(message) netstring(sender)
 * netstring(recipient list)` (reference §3.2), read in that order.
 *
 * As in mailfront, the message's data hooks run before the envelope is
 * known (the protocol sends the message first): reset, data start, the
 * body block by block, then the sender hook; the recipient hooks only once
 * the whole package, comma included, has arrived, so a package cut short
 * never reaches message end and nothing of it is queued.
 */
import { LimitedSource, NetstringError, readNetstringEnd, type ByteSource, type Reply } from '@mailfront/core';
import { isErrorResponse, type Response } from '../../engine/response.js';
import { describeAddress, readAddress } from './address.js';
import { answerEachRecipient, answerPackage } from './answers.js';
import { CrlfToLf, streamBody } from './body.js';
import type { QmtpConfig } from './config.js';
import { asReply, ProtocolDie, type NetstringLink } from './link.js';
import { readRecipientList } from './recipients.js';
import {
  BAD_SENDER,
  BAD_TERMINATOR,
  EOF_BODY,
  EOF_BODY_NL,
  EOF_COMMA,
  EOF_SENDER,
  LENGTH_TOO_LONG,
  NON_LF_TERMINATOR,
  ZERO_LENGTH,
} from './replies.js';

const LF = 0x0a;
const CR = 0x0d;

const SENDER_TEXTS = { eof: EOF_SENDER, format: BAD_SENDER, tooLong: LENGTH_TOO_LONG };
const COMMA_TEXTS = { eof: EOF_COMMA, format: BAD_TERMINATOR, tooLong: BAD_TERMINATOR };
const NL_TEXTS = { eof: EOF_BODY_NL, format: NON_LF_TERMINATOR, tooLong: NON_LF_TERMINATOR };

/** The first byte of the message: LF (Unix lines) or CR (CRLF lines). */
async function readOneByte(source: ByteSource, timeoutMs: number): Promise<number> {
  for (;;) {
    const chunk = await source.read(timeoutMs);
    if (chunk === null) throw new NetstringError('eof', 'input ended before the line-ending byte');
    if (chunk.length === 0) continue;
    source.unread(chunk.subarray(1));
    return chunk[0]!;
  }
}

const errorOf = (r: Response | undefined) => (isErrorResponse(r) ? r : undefined);

/** Reads the package whose message netstring is `length` bytes long; resolves with its answers. */
export async function receivePackage(link: NetstringLink, config: QmtpConfig, length: number): Promise<Reply[]> {
  if (length === 0) throw new ProtocolDie(ZERO_LENGTH);
  const { engine, input } = link;
  let failure = errorOf(await link.safely(() => engine.reset()));

  const indicator = await link.guard((t) => readOneByte(input, t), NL_TEXTS);
  if (indicator !== LF && indicator !== CR) throw new ProtocolDie(NON_LF_TERMINATOR);
  failure ??= errorOf(await link.safely(() => engine.data.start()));
  await streamBody(link, new LimitedSource(input, length - 1), {
    deliver: failure === undefined,
    crlf: indicator === CR ? new CrlfToLf() : undefined,
    eofText: EOF_BODY,
  });
  await link.guard((t) => readNetstringEnd(input, t), COMMA_TEXTS);

  const sender = await readAddress(link, input, config.maxEnvelope, SENDER_TEXTS, 'sender');
  link.log.info(describeAddress('sender', sender));
  let senderResult: Response | undefined;
  if (!failure) {
    senderResult = sender.problem ?? (await link.safely(() => engine.sender({ address: sender.address, params: [] })));
    if (isErrorResponse(senderResult)) link.logError(asReply(senderResult));
  }

  const list = await readRecipientList(link, config.maxEnvelope);
  const state = { failure, sender: senderResult, list };
  return config.replies === 'package' ? answerPackage(link, state) : answerEachRecipient(link, state);
}
