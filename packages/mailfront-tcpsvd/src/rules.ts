/**
 * The per-client decision, as tcpsvd makes it (reference ucspi-qmail §2.4,
 * modern-mx §1.4): the first entry found among the client's address and its
 * shorter prefixes (`192.0.2.7`, `192.0.2`, `192.0`, `192`), then (with
 * -h/-p and a name) the host name and its parent domains, then `0`, decides:
 *
 * - deny: the connection is closed before a byte is written;
 * - exec: the entry's text runs with `/bin/sh -c` in place of the chain;
 * - instructions, line by line, applied to the session's environment as
 *   they come: `+NAME=value` sets, `+NAME` removes, `Cn[:msg]` changes the
 *   per-client limit (only with -C; the last one wins, C0 turns it off),
 *   `=host[:forward]` admits the client only if host resolves to its
 *   address (`=0`: always) and stops there, going on with the entry
 *   `forward` if one is named; an entry with `=` lines of which none
 *   matched denies. `#` lines and empty lines are skipped, others warned
 *   about;
 * - no entry at all: run the chain.
 */
import type { Lookups } from './dns.js';
import { unescapeMessage, type PerHostLimit } from './options.js';
import type { RuleEntry, RulesLookup, RulesSource } from './rules-source.js';

export type RuleAction = 'default' | 'deny' | 'exec';

export interface RuleDecision {
  action: RuleAction;
  /** The matched key (`key,forward` after a forward); '' when none matched. */
  match: string;
  /** The exec command, or the instructions applied (NUL between lines), for -vv and for exec. */
  text: string;
  /** The per-client limit after the instructions. */
  perHost: PerHostLimit | undefined;
}

/** The session's environment while it is being made. */
export type SessionEnv = Record<string, string | undefined>;

export interface RulesContext {
  source: RulesSource;
  lookups: Lookups;
  /** `warning:` lines. */
  warn(text: string): void;
}

/** The keys tcpsvd tries for a client, in order. */
export function ruleKeys(ip: string, hostName: string): string[] {
  const keys: string[] = [];
  for (let key = ip; ; ) {
    keys.push(key);
    const dot = key.lastIndexOf('.');
    if (dot <= 0) break;
    key = key.slice(0, dot);
  }
  for (let name = hostName; name !== '' && !name.startsWith('.'); ) {
    keys.push(name);
    const dot = name.indexOf('.');
    if (dot === -1) break;
    name = name.slice(dot + 1);
  }
  keys.push('0');
  return keys;
}

interface Applied {
  /** The instructions end in an `=` line that admitted the client and names a forward entry. */
  forward?: string;
  denied: boolean;
  /** The lines applied, up to a matching `=` line. */
  text: string;
}

/**
 * Applies an instructions entry to `env`. `clientIp` is undefined for a
 * forwarded entry, whose `=` lines are ignored.
 */
async function applyInstructions(
  text: string,
  where: string,
  clientIp: string | undefined,
  env: SessionEnv,
  state: { perHost: PerHostLimit | undefined },
  ctx: RulesContext,
): Promise<Applied> {
  const lines = text.split('\0');
  let sawEquals = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    switch (line[0]) {
      case undefined:
      case '#':
        break;
      case '+': {
        const eq = line.indexOf('=');
        const name = eq === -1 ? line.slice(1) : line.slice(1, eq);
        if (name === '') break;
        if (eq === -1) delete env[name];
        else env[name] = line.slice(eq + 1);
        break;
      }
      case 'C': {
        // Only when -C was given (and not turned off by an earlier C0).
        if (!state.perHost || state.perHost.limit === 0) break;
        // tcpsvd reads the digits there are (none: 0, off) and a message only right after them.
        const digits = /^[0-9]*/.exec(line.slice(1))![0];
        const message = line[1 + digits.length] === ':' ? unescapeMessage(line.slice(2 + digits.length)) : state.perHost.message;
        state.perHost = { limit: digits === '' ? 0 : Number(digits.slice(0, 9)), message };
        break;
      }
      case '=': {
        if (clientIp === undefined) break;
        sawEquals = true;
        const colon = line.indexOf(':');
        const host = colon === -1 ? line.slice(1) : line.slice(1, colon);
        const forward = colon === -1 ? '' : line.slice(colon + 1);
        let addresses: string[];
        try {
          addresses = host === '0' ? [clientIp] : await ctx.lookups.addresses(host);
        } catch (e) {
          ctx.warn(`unable to look up ip address: ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          break;
        }
        if (addresses.length === 0) {
          ctx.warn(`unable to look up ip address: ${host}`);
          break;
        }
        if (addresses.includes(clientIp)) {
          const applied = lines.slice(0, i + 1).join('\0');
          return forward === '' ? { denied: false, text: applied } : { forward, denied: false, text: applied };
        }
        break;
      }
      default:
        ctx.warn(`bad instruction: ${where}: ${line}`);
    }
  }
  return { denied: sawEquals, text };
}

/**
 * Decides for one connection and applies the instructions to `env` (which
 * already holds the TCP* variables, so a rule can change or remove any of
 * them). Throws RulesUnreadable or RuleCheckError: the connection is then
 * dropped, as tcpsvd drops it.
 */
export async function decide(clientIp: string, hostName: string, env: SessionEnv, perHost: PerHostLimit | undefined, ctx: RulesContext): Promise<RuleDecision> {
  const lookup: RulesLookup = ctx.source.open();
  const state = { perHost };
  for (const key of ruleKeys(clientIp, hostName)) {
    const entry = lookup.find(key);
    if (!entry) continue;
    const first = await apply(entry, key, clientIp, env, state, ctx);
    if (first.forward === undefined) return { ...first.decision, perHost: state.perHost };
    const forwarded = lookup.find(first.forward);
    const match = `${key},${first.forward}`;
    if (!forwarded) {
      ctx.warn(`${ctx.source.matchName(match)}: not found`);
      return { action: 'deny', match, text: first.decision.text, perHost: state.perHost };
    }
    const second = await apply(forwarded, first.forward, undefined, env, state, ctx);
    // The log shows both entries' instructions, an exec shows only its command.
    const text = second.decision.action === 'exec' ? second.decision.text : `${first.decision.text}\0${second.decision.text}`;
    return { action: second.decision.action, match, text, perHost: state.perHost };
  }
  return { action: 'default', match: '', text: '', perHost: state.perHost };
}

async function apply(
  entry: RuleEntry,
  key: string,
  clientIp: string | undefined,
  env: SessionEnv,
  state: { perHost: PerHostLimit | undefined },
  ctx: RulesContext,
): Promise<{ decision: Omit<RuleDecision, 'perHost'>; forward?: string }> {
  if (entry.kind === 'deny') return { decision: { action: 'deny', match: key, text: '' } };
  if (entry.kind === 'exec') return { decision: { action: 'exec', match: key, text: entry.text } };
  const applied = await applyInstructions(entry.text, ctx.source.matchName(key), clientIp, env, state, ctx);
  const decision = { action: applied.denied ? ('deny' as const) : ('default' as const), match: key, text: applied.text };
  return applied.forward === undefined ? { decision } : { decision, forward: applied.forward };
}
