/**
 * STLS (RFC 2595 §4) and what TLS changes in the AUTHORIZATION state.
 *
 * STLS is offered (in CAPA) and accepted only while it can still do
 * something: a certificate is configured and the session is not encrypted
 * yet. Elsewhere, after TLS and in the TRANSACTION state, it is an unknown
 * command, as the C tools answer every command they do not have.
 *
 * With AUTH_REQUIRES_TLS, RFC 2595 §2.2's "refuse all clear-text login
 * commands or mechanisms unless an encryption layer is active": before TLS,
 * CAPA lists neither USER nor SASL, and USER, PASS and AUTH are refused
 * without counting as failed attempts.
 */
import type { TlsConfig } from './config.js';
import type { Pop3Connection } from './connection.js';
import { BEGIN_TLS, CAPABILITIES, SYNTAX_ERROR, UNIMPLEMENTED } from './replies.js';

/** The capability STLS adds to CAPA. */
const STLS = 'STLS';

export function offersStls(connection: Pop3Connection, tls: TlsConfig): boolean {
  return tls.settings !== undefined && connection.tls === undefined;
}

/** Whether USER, PASS and AUTH may be used now. */
export function mayAuthenticate(connection: Pop3Connection, tls: TlsConfig): boolean {
  return !tls.authRequiresTls || connection.tls !== undefined;
}

/**
 * The CAPA lines of the AUTHORIZATION state: the SASL line, the base list
 * (without USER while authentication waits for TLS), then STLS, last so
 * that the lines clients of pop3front-auth know keep their places.
 */
export function authorizationCapabilities(connection: Pop3Connection, tls: TlsConfig, saslLine: string[]): string[] {
  const open = mayAuthenticate(connection, tls);
  return [
    ...(open ? saslLine : []),
    ...CAPABILITIES.filter((c) => open || c !== 'USER'),
    ...(offersStls(connection, tls) ? [STLS] : []),
  ];
}

/**
 * The STLS command: 'started' (the session is encrypted now), 'refused'
 * (an error reply, nothing changed) or 'broken' (the handshake failed and
 * the connection is unusable).
 */
export async function stls(connection: Pop3Connection, tls: TlsConfig, argument: string): Promise<'started' | 'refused' | 'broken'> {
  if (!offersStls(connection, tls)) {
    connection.reply(UNIMPLEMENTED);
    return 'refused';
  }
  if (argument !== '') {
    connection.reply(SYNTAX_ERROR);
    return 'refused';
  }
  connection.reply(BEGIN_TLS);
  return (await connection.startTls(tls.settings!)) ? 'started' : 'broken';
}
