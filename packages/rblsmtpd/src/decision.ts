/**
 * Whether a client is refused, and how: the logic of ucspi-tcp 0.88's
 * rblsmtpd, kept exactly, with the DNS lookups made concurrent.
 *
 * The original acts on its options in command-line order while parsing them:
 * -b/-B/-c/-C change how the -r/-a options after them are treated, and the
 * first -r or -a that decides ends the lookups. Here every lookup starts at
 * once, and the answers are then weighed in command-line order with the
 * flags in force at each option's position, which gives the same decision
 * as the serial original in a fraction of the time. Lookups that are still
 * running when a decision falls are cancelled.
 */
import type { DnsblResult } from '@mailfront/dnsbl';

export type Verdict =
  | { kind: 'accept' }
  /** Nothing decided: no list said anything (the original then runs the program too). */
  | { kind: 'undecided' }
  | { kind: 'block'; code: 451 | 553; reason: string };

/** One -r (block list) or -a (allow list, the "anti-RBL") with the flags in force at its position. */
export interface ListStep {
  kind: 'block-list' | 'allow-list';
  zone: string;
  /** -b was in force: a listing is a permanent 553 (unless an earlier lookup failed). */
  permanent: boolean;
  /** -c was in force: a failed lookup blocks (-r) or does not accept (-a). */
  failClosed: boolean;
}

/** The text of the refusal when -c turns a failed lookup into a block (the original's words). */
export const REASON_LOOKUP_ERROR = 'temporary RBL lookup error';
/** The refusal when a list answers with an A record but no TXT text. */
export const reasonWithoutText = (zone: string) => `listed by ${zone}`;

/**
 * The RBLSMTPD variable, read before any option: unset decides nothing;
 * empty accepts; a leading `-` blocks permanently with the rest as reason;
 * any other value blocks temporarily with the value as reason.
 */
export function verdictFromVariable(variable: string | undefined): Verdict {
  if (variable === undefined) return { kind: 'undecided' };
  // Node decodes the environment as UTF-8; the original counts and replaces bytes, so back to one character per byte.
  const value = Buffer.from(variable, 'utf8').toString('latin1');
  if (value === '') return { kind: 'accept' };
  if (value.startsWith('-')) return { kind: 'block', code: 553, reason: value.slice(1) };
  return { kind: 'block', code: 451, reason: value };
}

/** The option names of main's CLI spec, in the order parseCli reports them. */
export interface GivenOption {
  name: string;
  value: string | true;
}

/** The -r/-a lookups with the -b/-B/-c/-C state at each one's position. */
export function planSteps(given: readonly GivenOption[]): ListStep[] {
  let permanent = false;
  let failClosed = false;
  const steps: ListStep[] = [];
  for (const option of given) {
    if (option.name === 'permanent') permanent = true;
    else if (option.name === 'temporary') permanent = false;
    else if (option.name === 'fail-closed') failClosed = true;
    else if (option.name === 'fail-open') failClosed = false;
    else if (option.name === 'rbl' || option.name === 'anti-rbl') {
      steps.push({ kind: option.name === 'rbl' ? 'block-list' : 'allow-list', zone: String(option.value), permanent, failClosed });
    }
  }
  return steps;
}

export interface ConsultOptions {
  /** Starts the lookup for one step; called for every step before any answer is awaited. */
  lookup(step: ListStep): Promise<DnsblResult>;
  /** A list that could not answer, with what the failure means for this client. */
  warn(step: ListStep, result: Extract<DnsblResult, { status: 'error' }>, failingClosed: boolean): void;
  /** Called once a decision has fallen, to stop the lookups still running. */
  cancel(): void;
}

export async function consultLists(steps: readonly ListStep[], options: ConsultOptions): Promise<Verdict> {
  const answers = steps.map((step) => options.lookup(step));
  // As in the original, a lookup failure before the deciding list forbids a permanent refusal.
  let mustNotBounce = false;
  try {
    for (const [i, step] of steps.entries()) {
      const result = await answers[i]!;
      if (result.status === 'error') {
        mustNotBounce = true;
        options.warn(step, result, step.failClosed);
        if (step.kind === 'block-list' && step.failClosed) return { kind: 'block', code: 451, reason: REASON_LOOKUP_ERROR };
        if (step.kind === 'allow-list' && !step.failClosed) return { kind: 'accept' };
        continue;
      }
      if (result.status !== 'listed') continue;
      if (step.kind === 'allow-list') return { kind: 'accept' };
      const code = step.permanent && !mustNotBounce ? 553 : 451;
      return { kind: 'block', code, reason: result.text ?? reasonWithoutText(step.zone) };
    }
    return { kind: 'undecided' };
  } finally {
    options.cancel();
  }
}
