/**
 * The fields of a rule line and their escapes (reference §8.1).
 *
 * A rule is `CODE SENDER:RECIPIENT:RESPONSE:DATABYTES:RELAYCLIENT:ENV`;
 * missing trailing fields are empty and the ENV field is the rest of the
 * line, colons included. A backslash escapes in every field: `\n` is a
 * newline (a multi-line reply), `\` and one to three octal digits is that
 * byte, and `\` before any other byte is that byte (`\\`, `\:`, `\,`). An
 * escaped colon or comma never separates.
 *
 * Differences from mailfront 2.12, whose octal escapes all give a NUL byte
 * (which cuts the text short): here `\101` is `A`. An octal escape of value
 * 0, or above 0377, has no meaning in a text and is a syntax error. A
 * backslash that ends the line is dropped, as in mailfront.
 */

export class FieldError extends Error {
  override name = 'FieldError';
}

/** The number of fields after the rule code; the last one takes the rest of the line. */
const FIELDS = 6;

/** Splits the text after the rule code at unescaped colons; the escapes stay for decodeField. */
export function splitFields(body: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length && fields.length < FIELDS - 1; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === ':') {
      fields.push(body.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(body.slice(start));
  return fields;
}

/** Splits a raw ENV field at unescaped commas. */
export function splitEnvItems(raw: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === ',') {
      items.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  items.push(raw.slice(start));
  return items;
}

const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';

/** Decodes the escapes of one raw field. Throws FieldError for an octal escape without a byte. */
export function decodeField(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === undefined) break;
    if (next === 'n') {
      out += '\n';
    } else if (isOctal(next)) {
      let digits = next;
      while (digits.length < 3 && isOctal(raw[i + 1])) digits += raw[++i];
      const value = parseInt(digits, 8);
      if (value === 0) throw new FieldError(`the octal escape \\${digits} would put a NUL byte in the text`);
      if (value > 0o377) throw new FieldError(`the octal escape \\${digits} is over \\377`);
      out += String.fromCharCode(value);
    } else {
      out += next;
    }
  }
  return out;
}
