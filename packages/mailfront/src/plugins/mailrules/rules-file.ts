/**
 * Reading a mail rules file (reference §8.1, and the `&` and `K` codes of
 * mailfront 2.15 and 2.20).
 *
 * Lines end at LF (the last one may lack it); blanks are trimmed at both
 * ends and empty lines skipped. `:s…` and `:r…` select the list the rules
 * after them join; any other selector is a syntax error. A rule starts with
 * its code. Before any selector a rule whose recipient pattern is exactly
 * `*` is a sender rule and every other one a recipient rule.
 *
 * Where mailfront 2.12 silently ignores a line that starts with anything
 * else, a `#` line is a comment and any other line is reported as a warning
 * naming the file and line (and still ignored, so that a file that works
 * with mailfront keeps working here). Problems that stop start-up are
 * thrown as RulesError with the file and line.
 */
import { patternForm } from './address-forms.js';
import { FieldError, decodeField, splitEnvItems, splitFields } from './fields.js';
import { compileGlob } from './glob.js';
import { ListError, type AddressList } from './lists.js';

/** k accept, K accept and skip later plugins, d reject, z defer, p pass, n no-op, & and. */
export type RuleCode = 'k' | 'K' | 'd' | 'z' | 'p' | 'n' | '&';
const CODES = new Set<string>(['k', 'K', 'd', 'z', 'p', 'n', '&']);

/** Lines longer than this are a syntax error (nothing legitimate comes close). */
export const RULE_LINE_MAX = 65536;

/** An address pattern: a glob (case-folded) or a list; `!` negates. */
export interface AddressPattern {
  readonly negated: boolean;
  /** The pattern as written, after the escapes and without the `!`s. */
  readonly text: string;
  readonly glob?: { matches(text: string): boolean };
  readonly list?: { readonly list: AddressList; readonly byDomain: boolean };
}

export interface Rule {
  readonly code: RuleCode;
  readonly sender: AddressPattern;
  readonly recipient: AddressPattern;
  /** undefined: the code's default text. */
  readonly response: string | undefined;
  /** 0: no change. */
  readonly databytes: number;
  readonly relayclient: string;
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** `file:line`, for log lines. */
  readonly where: string;
}

export interface RuleSet {
  readonly sender: Rule[];
  readonly recipient: Rule[];
}

export type RulesProblem = 'syntax' | 'list';

export class RulesError extends Error {
  override name = 'RulesError';
  constructor(
    readonly problem: RulesProblem,
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

export interface ParseOptions {
  /** The file name, for messages. */
  file: string;
  openList(name: string): AddressList;
  warn(message: string): void;
}

const BLANKS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export function parseRules(contents: string, options: ParseOptions): RuleSet {
  const set: RuleSet = { sender: [], recipient: [] };
  let selected: 'sender' | 'recipient' | undefined;
  const lines = contents.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const where = `${options.file}:${n + 1}`;
    const line = lines[n]!.replace(BLANKS, '');
    if (line === '') continue;
    if (line.length > RULE_LINE_MAX) throw new RulesError('syntax', where, `the line is longer than ${RULE_LINE_MAX} bytes`);
    const first = line[0]!;
    if (first === ':') {
      if (line[1] === 's') selected = 'sender';
      else if (line[1] === 'r') selected = 'recipient';
      else throw new RulesError('syntax', where, `unknown selector "${line}" (":sender" or ":recipient")`);
    } else if (CODES.has(first)) {
      const rule = parseRule(line, where, options);
      set[selected ?? (rule.recipient.text === '*' && !rule.recipient.list ? 'sender' : 'recipient')].push(rule);
    } else if (first !== '#') {
      options.warn(`${where}: unknown rule code "${first}", line ignored (codes: k K d z p n &)`);
    }
  }
  for (const [name, rules] of Object.entries(set) as Array<[string, Rule[]]>) {
    const last = rules.at(-1);
    if (last?.code === '&') options.warn(`${last.where}: no rule follows this "&" rule among the ${name} rules, so it never applies`);
  }
  return set;
}

function parseRule(line: string, where: string, options: ParseOptions): Rule {
  const code = line[0] as RuleCode;
  const [sender = '', recipient = '', response = '', databytes = '', relayclient = '', env = ''] = splitFields(line.slice(1));
  try {
    const rule: Rule = {
      code,
      sender: parsePattern(sender, options),
      recipient: parsePattern(recipient, options),
      response: decodeField(response) || undefined,
      databytes: parseDatabytes(decodeField(databytes)),
      relayclient: decodeField(relayclient),
      env: parseEnv(env, where, options),
      where,
    };
    if (code === '&' && (rule.response !== undefined || rule.databytes > 0 || rule.relayclient !== '' || rule.env.length > 0)) {
      options.warn(`${where}: an "&" rule only adds its patterns; its other fields are ignored`);
    }
    return rule;
  } catch (e) {
    if (e instanceof FieldError) throw new RulesError('syntax', where, e.message);
    if (e instanceof ListError) throw new RulesError('list', where, e.message);
    throw e;
  }
}

function parseDatabytes(text: string): number {
  if (!/^[0-9]*$/.test(text)) throw new FieldError(`the databytes field "${text}" is not a whole number`);
  return text === '' ? 0 : Math.min(Number(text), Number.MAX_SAFE_INTEGER);
}

/** Leading `!`s (as written, before the escapes) toggle negation; `[[…]]` names a list. */
function parsePattern(raw: string, options: ParseOptions): AddressPattern {
  let negated = false;
  let i = 0;
  for (; raw[i] === '!'; i++) negated = !negated;
  const text = decodeField(raw.slice(i));
  if (text.length > 5 && text.startsWith('[[') && text.endsWith(']]')) {
    const name = text.slice(2, -2);
    const byDomain = name.startsWith('@');
    return { negated, text, list: { list: options.openList(byDomain ? name.slice(1) : name), byDomain } };
  }
  return { negated, text, glob: compileGlob(patternForm(text)) };
}

/** `NAME=VALUE` items separated by commas; an empty item is skipped, a malformed one reported. */
function parseEnv(raw: string, where: string, options: ParseOptions): Array<[string, string]> {
  const items: Array<[string, string]> = [];
  if (raw === '') return items;
  for (const rawItem of splitEnvItems(raw)) {
    const item = decodeField(rawItem);
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) {
      options.warn(`${where}: environment item "${item}" is not NAME=VALUE, ignored`);
      continue;
    }
    items.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return items;
}
