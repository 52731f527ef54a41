/**
 * Matching and applying rules (reference §8.2, §8.3).
 *
 * Rules are tried in file order. An `&` rule only gates the rule after it:
 * that rule (with any `&` rules chained before it) applies when every one
 * of them matches. A rule that applies first adds its ENV items to the
 * session environment, lowers the session's maxdatabytes, and (for a
 * recipient, whatever its code) appends its RELAYCLIENT text to the
 * address; then `n` goes on to the next rule, `p` stops with no opinion,
 * and the others stop with their answer.
 */
import type { Response } from '../../engine/response.js';
import type { Session } from '../../engine/session.js';
import { listMatchesAny } from './lists.js';
import type { AddressPattern, Rule } from './rules-file.js';

// The default texts carry no enhanced status code, as in mailfront.
const DEFAULT_ACCEPT = 'OK';
const DEFAULT_REJECT = 'Rejected';
const DEFAULT_DEFER = 'Deferred';

/** An address, in its forms (address-forms.ts), against one pattern: any form may match. */
export function patternMatches(pattern: AddressPattern, forms: readonly string[]): boolean {
  const found = pattern.list ? listMatchesAny(pattern.list.list, pattern.list.byDomain, forms) : forms.some((f) => pattern.glob!.matches(f));
  return found !== pattern.negated;
}

/** What the rule answers once it applies; undefined for `n` (go on) and `p` (stop, no opinion). */
function answer(rule: Rule): Response | undefined {
  switch (rule.code) {
    case 'k':
      return { code: 250, text: rule.response ?? DEFAULT_ACCEPT };
    case 'K':
      return { code: 250, text: rule.response ?? DEFAULT_ACCEPT, final: true };
    case 'd':
      return { code: 553, text: rule.response ?? DEFAULT_REJECT };
    case 'z':
      return { code: 451, text: rule.response ?? DEFAULT_DEFER };
    default:
      return undefined;
  }
}

/** ENV items and the databytes field (a rule can only lower the limit). */
export function applyEffects(rule: Rule, session: Session): void {
  for (const [name, value] of rule.env) session.putenv(name, value);
  if (rule.databytes > 0) {
    const current = session.numbers.get('maxdatabytes');
    if (current === undefined || current === 0 || rule.databytes < current) session.numbers.set('maxdatabytes', rule.databytes);
  }
}

export interface Walk {
  /** Whether this rule's patterns match. */
  matches(rule: Rule): boolean;
  /** Applies a matching rule's effects. */
  apply(rule: Rule): void;
}

/** Walks a rule list; the result is the hook's answer. */
export function walk(rules: readonly Rule[], how: Walk): Response | undefined {
  let gate = true;
  for (const rule of rules) {
    if (rule.code === '&') {
      gate &&= how.matches(rule);
      continue;
    }
    const applies = gate && how.matches(rule);
    gate = true;
    if (!applies) continue;
    how.apply(rule);
    if (rule.code === 'n') continue;
    return answer(rule);
  }
  return undefined;
}
