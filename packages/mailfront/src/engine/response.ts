/**
 * What a hook answers: nothing (no opinion), an acceptance, or an error.
 *
 * As in mailfront, an acceptance may carry no text ("accept, and let the
 * backend or the protocol say it"): accept-sender, relayclient and
 * qmail-validate accept that way, so the echo backend's text or the
 * protocol's default (`250 2.1.0 Sender accepted.`) is what the client sees.
 */
import type { Reply } from '@mailfront/core';

export interface Response {
  readonly code: number;
  /** Undefined: accepted without text of its own. Errors always have text. */
  readonly text?: string;
  /**
   * An acceptance that skips the plugins after this one (mailfront 2.20's
   * RESPONSE_FINAL, used by mailrules' `K`); the backend still runs.
   */
  readonly final?: boolean;
}

export type HookResult = Response | undefined;

export function isErrorResponse(r: Response | undefined): r is Response {
  return r !== undefined && r.code >= 400;
}

/** An acceptance without text (mailfront's `r_ok` with a null message). */
export const ACCEPT: Response = { code: 250 };

/** A response the protocol can print: a text-less one gets the given default. */
export function toReply(r: Response | undefined, fallback: Reply): Reply {
  if (r === undefined) return fallback;
  return { code: r.code, text: r.text ?? fallback.text };
}

// Responses of the engine itself (mailfront's core responses).
export const NO_SENDER: Reply = { code: 550, text: '5.1.0 Mail system is not configured to accept that sender' };
export const NO_RECIPIENT: Reply = { code: 550, text: '5.1.0 Mail system is not configured to accept that recipient' };
export const INTERNAL_ERROR: Reply = { code: 451, text: '4.3.0 Internal error.' };
export const ACCEPTED_SENDER: Reply = { code: 250, text: '2.1.0 Sender accepted.' };
export const ACCEPTED_RECIPIENT: Reply = { code: 250, text: '2.1.5 Recipient accepted.' };
export const ACCEPTED_MESSAGE: Reply = { code: 250, text: '2.6.0 Message accepted.' };
