/**
 * The outcomes of a SASL exchange that a protocol shows its client, with
 * libcvm-sasl's codes and texts (reference mailfront.md §6). The codes are
 * SMTP's; SMTP AUTH sends `code text` (no enhanced status code, as in
 * mailfront), POP3 sends `-ERR text`.
 */

export interface SaslReply {
  code: number;
  text: string;
}

export const AUTH_SUCCEEDED: SaslReply = { code: 235, text: 'Authentication succeeded.' };
/** Credentials rejected by the CVM, or the client aborted with `*`. */
export const AUTH_FAILED: SaslReply = { code: 501, text: 'Authentication failed.' };
export const UNKNOWN_MECHANISM: SaslReply = { code: 504, text: 'Unrecognized authentication mechanism.' };
/** Not base64, or decoded data that does not have the mechanism's shape. */
export const BAD_RESPONSE: SaslReply = { code: 501, text: 'Could not decode the response.' };
export const RESPONSE_REQUIRED: SaslReply = { code: 535, text: 'Response was required but not given.' };
export const INITIAL_RESPONSE_NOT_ALLOWED: SaslReply = { code: 535, text: 'Initial response not allowed.' };
/** The client went away in the middle of the exchange. */
export const END_OF_FILE: SaslReply = { code: 535, text: 'End of file reached.' };
/** The CVM could not give an answer (any result but 0 and 100). */
export const INTERNAL_ERROR: SaslReply = { code: 451, text: 'Internal error.' };
/** step() without an exchange in progress: a bug in the protocol code. */
export const NO_EXCHANGE: SaslReply = { code: 503, text: 'No authentication in progress.' };
