/**
 * The answers to one QMTP package, once it has been read whole.
 *
 * `recipient` mode (the default) follows the QMTP protocol and qmail-qmtpd:
 * one answer per recipient, in order. A refused recipient gets its own
 * refusal; the message goes to the others, who all get the message's
 * result; when nobody is left the message is dropped. A failed reset, data
 * start or sender refuses every recipient with that error. No recipients at
 * all means no answer, as the protocol says.
 *
 * `package` mode answers as mailfront 2.12 does: one answer per package,
 * the first error wins, and the remaining recipients are not looked at.
 */
import type { Reply } from '@mailfront/core';
import { isErrorResponse, type HookResult, type Response } from '../../engine/response.js';
import { describeAddress, type AddressField } from './address.js';
import { asReply, type NetstringLink } from './link.js';
import { countRecipients, recipientsOf } from './recipients.js';

export interface PackageState {
  /** A failed reset or data start: the message cannot be taken at all (not yet logged). */
  failure: Response | undefined;
  /** The sender's result (an error here was logged when it happened). */
  sender: HookResult;
  /** The recipient list, as read. */
  list: Buffer;
}

/** Runs the recipient hook for one address (unless it was refused before). */
async function recipientResult(link: NetstringLink, field: AddressField): Promise<HookResult> {
  link.log.info(describeAddress('recipient', field));
  const r = field.problem ?? (await link.safely(() => link.engine.recipient({ address: field.address, params: [] })));
  if (isErrorResponse(r)) link.logError(asReply(r));
  return r;
}

function refusalOf(state: PackageState): Response | undefined {
  if (state.failure) return state.failure;
  return isErrorResponse(state.sender) ? state.sender : undefined;
}

export async function answerEachRecipient(link: NetstringLink, state: PackageState): Promise<Reply[]> {
  const refusal = refusalOf(state);
  if (refusal) {
    const count = countRecipients(state.list);
    await link.dropMessage();
    if (state.failure) link.logError(asReply(state.failure));
    return new Array<Reply>(count).fill(asReply(refusal));
  }
  const results: HookResult[] = [];
  for (const field of recipientsOf(state.list)) results.push(await recipientResult(link, field));
  if (!results.some((r) => !isErrorResponse(r))) {
    await link.dropMessage();
    if (results.length === 0) link.log.info('no recipients: message dropped');
    return results.map((r) => asReply(r!));
  }
  const message = await link.finishMessage();
  return results.map((r) => (isErrorResponse(r) ? asReply(r) : message));
}

export async function answerPackage(link: NetstringLink, state: PackageState): Promise<Reply[]> {
  const refusal = refusalOf(state);
  if (refusal) {
    await link.dropMessage();
    if (state.failure) link.logError(asReply(state.failure));
    return [asReply(refusal)];
  }
  for (const field of recipientsOf(state.list)) {
    const r = await recipientResult(link, field);
    if (isErrorResponse(r)) {
      await link.dropMessage();
      return [asReply(r)];
    }
  }
  return [await link.finishMessage()];
}
