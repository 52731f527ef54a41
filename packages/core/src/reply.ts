/**
 * Protocol replies: a numeric code and text, the shape of mailfront's
 * `response` and of every SMTP answer. A code below 400 accepts, 4xx is a
 * temporary and 5xx a permanent refusal. A text with LF in it is a
 * multi-line reply carrying the same code on every line.
 */

export interface Reply {
  readonly code: number;
  readonly text: string;
}

/**
 * A reply whose every line starts with the enhanced status code (RFC 2034),
 * e.g. reply(550, '5.1.1', 'No such user') → "550 5.1.1 No such user".
 */
export function reply(code: number, status: string, text: string): Reply {
  return { code, text: splitLines(text).map((line) => `${status} ${line}`).join('\n') };
}

export function isError(r: Reply): boolean {
  return r.code >= 400;
}

export function isTemporary(r: Reply): boolean {
  return r.code >= 400 && r.code < 500;
}

export function isPermanent(r: Reply): boolean {
  return r.code >= 500;
}

/**
 * The lines of a reply text. CR and other control bytes cannot reach the
 * wire from here: text may come from a DNS TXT record or a rules file, and a
 * stray CR LF inside it would otherwise forge a second reply.
 */
export function splitLines(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?'));
}

/** SMTP wire form: `250-first` … `250 last`, each line ending in CR LF. */
export function formatSmtpReply(r: Reply): string {
  const lines = splitLines(r.text);
  const last = lines.length - 1;
  return lines.map((line, i) => `${r.code}${i === last ? ' ' : '-'}${line}\r\n`).join('');
}
