/**
 * Which mechanisms are offered, and which CVM checks each one, from the
 * environment (libcvm-sasl's variables):
 *
 *   CVM_SASL_PLAIN=cvm     LOGIN and PLAIN, checked by that CVM
 *   CVM_SASL_LOGIN=cvm     LOGIN only; a legacy name, used only when
 *                          CVM_SASL_PLAIN is not set
 *   CVM_SASL_CRAM_MD5=cvm  CRAM-MD5
 *
 * The order is always LOGIN, PLAIN, CRAM-MD5. Every configured mechanism is
 * offered and accepted (libcvm-sasl 0.97 loses PLAIN when CRAM-MD5 is set
 * too). An empty value counts as unset.
 */
import type { Env } from '@mailfront/core';

export type MechanismName = 'LOGIN' | 'PLAIN' | 'CRAM-MD5';

export interface SaslMechanism {
  name: MechanismName;
  /** The CVM that checks it: a path, cvm-local:/path or cvm-udp:host:port (a comma list is a chain). */
  cvm: string;
}

export function saslMechanismsFromEnv(env: Env): SaslMechanism[] {
  const plain = env.CVM_SASL_PLAIN || undefined;
  const login = plain ?? (env.CVM_SASL_LOGIN || undefined);
  const cram = env.CVM_SASL_CRAM_MD5 || undefined;
  const list: SaslMechanism[] = [];
  if (login !== undefined) list.push({ name: 'LOGIN', cvm: login });
  if (plain !== undefined) list.push({ name: 'PLAIN', cvm: plain });
  if (cram !== undefined) list.push({ name: 'CRAM-MD5', cvm: cram });
  return list;
}

/**
 * `AUTH mechanism [initial-response]`, split as libcvm-sasl does: at the
 * first space, any further spaces before the response skipped.
 */
export function parseAuthArgument(argument: string): { mechanism: string; initialResponse?: string } {
  const space = argument.indexOf(' ');
  if (space === -1) return { mechanism: argument };
  const initialResponse = argument.slice(space + 1).replace(/^ +/, '');
  return initialResponse === '' ? { mechanism: argument.slice(0, space) } : { mechanism: argument.slice(0, space), initialResponse };
}
