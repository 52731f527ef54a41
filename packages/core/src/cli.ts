/**
 * Command lines, the same shape in every binary: minimist does the parsing;
 * this adds --help and --version, refuses unknown options, counts arguments
 * and prints one usage text.
 *
 * Options stop at the first argument that is not an option, as getopt does
 * for djb's chain programs: in `rblsmtpd -t 5 mailfront-smtpd -x` the `-x`
 * belongs to mailfront-smtpd. Options are also reported in the order given,
 * because some originals (rblsmtpd) apply them in command-line order.
 */
import minimist from 'minimist';

/** Exit status for a command-line mistake, the djb convention. */
export const EXIT_USAGE = 100;

export interface OptionSpec {
  /** Long name, also the key of the parsed value: --timeout. */
  name: string;
  /** One-letter form: -t. */
  short?: string;
  /** Placeholder of the value; an option without one is a switch. */
  value?: string;
  /** May be given several times; the values are collected in order. */
  repeat?: boolean;
  description: string;
}

export interface CliSpec {
  program: string;
  version: string;
  /** What follows the program name in the usage line. */
  synopsis: string;
  /** A few lines on what the program does. */
  description: string;
  options?: OptionSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** Status for a usage error; the default is 100 (mailfront itself uses 111). */
  usageExitCode?: number;
}

export type OptionValue = string | string[] | boolean;

export interface ParsedCli {
  kind: 'run';
  /** Switches are booleans; value options strings (string[] when repeatable). */
  options: Record<string, OptionValue>;
  /** Every option in command-line order. */
  given: Array<{ name: string; value: string | true }>;
  args: string[];
}

export type CliOutcome = ParsedCli | { kind: 'exit'; code: number };

export interface TextSink {
  write(text: string): unknown;
}

class UsageError extends Error {}

export function usageText(spec: CliSpec): string {
  const rows: Array<[string, string]> = allOptions(spec).map((o) => {
    const forms = [o.short ? `-${o.short}` : '', `--${o.name}`].filter(Boolean).join(', ');
    return [o.value ? `${forms} ${o.value}` : forms, o.description];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: ${spec.program} ${spec.synopsis}`,
    '',
    spec.description.trimEnd(),
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
  ].join('\n');
}

/** The spec's options plus --help and --version, taking -h/-V if free. */
function allOptions(spec: CliSpec): OptionSpec[] {
  const own = spec.options ?? [];
  const taken = new Set(own.map((o) => o.short));
  return [
    ...own,
    { name: 'help', short: taken.has('h') ? undefined : 'h', description: 'show this help and exit' },
    { name: 'version', short: taken.has('V') ? undefined : 'V', description: 'show the version and exit' },
  ] as OptionSpec[];
}

export function parseCli(spec: CliSpec, argv: readonly string[], out: TextSink, err: TextSink): CliOutcome {
  const usageCode = spec.usageExitCode ?? EXIT_USAGE;
  try {
    const parsed = parse(spec, argv);
    if (parsed.options.help === true) {
      out.write(usageText(spec));
      return { kind: 'exit', code: 0 };
    }
    if (parsed.options.version === true) {
      out.write(`${spec.program} ${spec.version}\n`);
      return { kind: 'exit', code: 0 };
    }
    const { minArgs = 0, maxArgs = Infinity } = spec;
    if (parsed.args.length < minArgs) throw new UsageError('missing arguments');
    if (parsed.args.length > maxArgs) throw new UsageError(`unexpected argument '${parsed.args[maxArgs]}'`);
    return parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`${spec.program}: ${e.message}\n${spec.program}: usage: ${spec.program} ${spec.synopsis}\n`);
    err.write(`${spec.program}: try '${spec.program} --help' for more information\n`);
    return { kind: 'exit', code: usageCode };
  }
}

function parse(spec: CliSpec, argv: readonly string[]): ParsedCli {
  const options = allOptions(spec);
  const byKey = new Map<string, OptionSpec>();
  for (const o of options) {
    byKey.set(o.name, o);
    if (o.short) byKey.set(o.short, o);
  }
  const minimistOptions = {
    string: ['_', ...options.filter((o) => o.value).map((o) => o.name)],
    boolean: options.filter((o) => !o.value).map((o) => o.name),
    unknown: (arg: string) => {
      throw new UsageError(`unknown option '${arg}'`);
    },
  };

  const given: ParsedCli['given'] = [];
  const result: Record<string, OptionValue> = {};
  let i = 0;
  const nextArg = (option: string) => {
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`option '${option}' needs a value`);
    return value;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    // Each option goes to minimist on its own, in its long --name=value
    // form (a value may itself start with a dash), which keeps the order.
    for (const single of splitOption(arg, byKey, nextArg)) {
      const one = minimist([single], minimistOptions);
      for (const o of options) {
        const v = one[o.name] as string | boolean | undefined;
        if (v === undefined || v === false) continue;
        given.push({ name: o.name, value: v });
        if (o.repeat) result[o.name] = [...((result[o.name] as string[] | undefined) ?? []), String(v)];
        else result[o.name] = v;
      }
    }
  }
  for (const o of options) if (!o.value && result[o.name] === undefined) result[o.name] = false;
  return { kind: 'run', options: result, given, args: argv.slice(i) };
}

/**
 * One command-line word as single options in --name[=value] form: a getopt
 * cluster such as -bct30 gives --b… --c… --t=30; a value option without an
 * attached value takes the next word. Unknown names are passed through for
 * minimist to refuse.
 */
function splitOption(arg: string, byKey: Map<string, OptionSpec>, nextArg: (option: string) => string): string[] {
  if (arg.startsWith('--')) {
    const o = byKey.get(arg.slice(2));
    if (o?.value && o.name === arg.slice(2)) return [`--${o.name}=${nextArg(arg)}`];
    return [arg];
  }
  const singles: string[] = [];
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j]!;
    const o = byKey.get(letter);
    if (!o || o.short !== letter) return [...singles, `-${letter}`];
    if (!o.value) {
      singles.push(`--${o.name}`);
      continue;
    }
    const attached = arg.slice(j + 1);
    singles.push(`--${o.name}=${attached !== '' ? attached : nextArg(`-${letter}`)}`);
    break;
  }
  return singles;
}
