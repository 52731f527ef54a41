/**
 * Typed readers for configuration in environment variables, the only
 * configuration surface of a ucspi program besides its argument list.
 *
 * Each reader takes the environment as a value (never process.env directly),
 * returns the default when the variable is unset, and throws a ConfigError
 * that names the variable when the value cannot be understood: a typo in an
 * envdir must stop the service with a clear message, not run it with a
 * silently different limit.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is not ${expected}`);
    this.name = 'ConfigError';
  }
}

export interface IntegerOptions {
  min?: number;
  max?: number;
}

const DECIMAL = /^[0-9]{1,15}$/;

/** A non-negative decimal integer (at most 15 digits, so always exact). */
export function envInteger(env: Env, name: string, fallback: number, options?: IntegerOptions): number;
export function envInteger(env: Env, name: string, fallback: undefined, options?: IntegerOptions): number | undefined;
export function envInteger(
  env: Env,
  name: string,
  fallback: number | undefined,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: IntegerOptions = {},
): number | undefined {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const value = raw.trim();
  const expected = `a whole number from ${min} to ${max}`;
  if (!DECIMAL.test(value)) throw new ConfigError(name, raw, expected);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, raw, expected);
  return n;
}

const DURATION = /^([0-9]{1,12})(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration, returned in milliseconds. A bare number is in seconds, the unit
 * of every djb and mailfront timeout (TIMEOUT=1200); a suffix ms, s, m, h or d
 * may name another unit.
 */
export function envDuration(env: Env, name: string, fallbackMs: number, options: IntegerOptions = {}): number {
  const raw = env[name];
  if (raw === undefined) return fallbackMs;
  const match = DURATION.exec(raw.trim());
  const { min = 0, max = 365 * UNIT_MS.d! } = options;
  const expected = `a duration (seconds, or a number with ms, s, m, h or d) from ${min} ms to ${max} ms`;
  if (!match) throw new ConfigError(name, raw, expected);
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (ms < min || ms > max) throw new ConfigError(name, raw, expected);
  return ms;
}

const TRUE_WORDS = new Set(['1', 'yes', 'true', 'on']);
const FALSE_WORDS = new Set(['0', 'no', 'false', 'off']);

/** A yes/no switch: 1/0, yes/no, true/false or on/off, in any case. */
export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigError(name, raw, 'a yes/no value (1/0, yes/no, true/false, on/off)');
}

/**
 * Whether a variable is set at all, whatever its value. Many djb-style
 * switches work this way (RELAYCLIENT="" is set; QUEUEDIR_NOSYNC=anything).
 */
export function envIsSet(env: Env, name: string): boolean {
  return env[name] !== undefined;
}

/** The variables that are set, as spawn() and execve() take an environment. */
export function envRecord(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** A separated list (colon by default, as PATH and PLUGINS); empty items dropped. */
export function envList(env: Env, name: string, separator: string | RegExp = ':'): string[] {
  const raw = env[name];
  if (raw === undefined) return [];
  return raw.split(separator).filter((item) => item !== '');
}

/**
 * One of a fixed set of words, such as a policy name
 * (MAILFRONT_BARE_NEWLINE=normalize|reject).
 */
export function envChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const word = raw.trim().toLowerCase();
  const choice = choices.find((c) => c === word);
  if (choice === undefined) throw new ConfigError(name, raw, `one of ${choices.join(', ')}`);
  return choice;
}
