/**
 * TLS on the connection a UCSPI server handed us on stdin/stdout, with
 * node:tls: STARTTLS (SMTP), STLS (POP3) and implicit TLS (port 465), with
 * no ucspi-ssl in front.
 *
 * The settings are mailfront 2.20's: TLS_CERTFILE (required), TLS_KEYFILE
 * (default: the key is in the certificate file), TLS_DH_PARAMS (optional).
 *
 * Upgrading drops every byte the client sent before the handshake: a client
 * must wait for the go-ahead before it starts TLS, so anything already
 * buffered is a plaintext command injected ahead of the encrypted session
 * (CVE-2011-0411 and its relatives), and must never be executed inside it.
 */
import { readFileSync } from 'node:fs';
import { Duplex, type Readable, type Writable } from 'node:stream';
import type { SecureContext, TLSSocket } from 'node:tls';
import { ConfigError, type Env } from './env.js';
import { lazyTls } from './lazy.js';
import type { ByteInput } from './input.js';
import type { Output } from './output.js';

export interface TlsSettings {
  context: SecureContext;
  /** Where the certificate came from, for messages. */
  certFile: string;
}

function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(name, path, `a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * The TLS settings, or undefined when TLS_CERTFILE is not set (TLS is off).
 * Unreadable files or a certificate and key that do not fit are a
 * ConfigError naming the variable, at start-up rather than at the first
 * STARTTLS.
 */
export function tlsSettingsFromEnv(env: Env): TlsSettings | undefined {
  const certFile = env.TLS_CERTFILE;
  if (certFile === undefined || certFile === '') return undefined;
  const cert = readSetting('TLS_CERTFILE', certFile);
  const keyFile = env.TLS_KEYFILE || certFile;
  const key = keyFile === certFile ? cert : readSetting('TLS_KEYFILE', keyFile);
  const dhFile = env.TLS_DH_PARAMS;
  const dhparam = dhFile ? readSetting('TLS_DH_PARAMS', dhFile) : undefined;
  try {
    return { context: lazyTls().createSecureContext({ cert, key, dhparam, minVersion: 'TLSv1.2' }), certFile };
  } catch (e) {
    throw new ConfigError('TLS_CERTFILE', certFile, `a usable certificate and key (${(e as Error).message})`);
  }
}

export interface TlsUpgrade {
  /** The bytes of plaintext input that were thrown away. */
  discarded: number;
  socket: TLSSocket;
}

/**
 * Switches `input` and `output` to TLS over `stdin`/`stdout`. For STARTTLS
 * call it after the go-ahead reply has been written (and before reading
 * anything more).
 * Rejects if the handshake fails or takes longer than timeoutMs; the
 * connection is then unusable and the caller should end the session.
 */
export interface StartTlsOptions {
  timeoutMs: number;
  /**
   * Implicit TLS (port 465): the client speaks TLS from its first byte, so
   * what is already buffered is its ClientHello and must be kept.
   */
  implicit?: boolean;
}

export async function startTls(
  input: ByteInput,
  output: Output,
  stdin: Readable,
  stdout: Writable,
  settings: TlsSettings,
  options: StartTlsOptions,
): Promise<TlsUpgrade> {
  const early = options.implicit ? input.takePending() : [];
  const discarded = options.implicit ? 0 : input.discardPending();
  await output.flush();
  const transport = Duplex.from({ readable: stdin, writable: stdout });
  // When the TLS layer is torn down (a failed handshake, the end of the
  // session) this wrapper reports an AbortError; it must not crash us.
  transport.on('error', () => {});
  const socket: TLSSocket = new (lazyTls().TLSSocket)(transport, { isServer: true, secureContext: settings.context });
  input.replaceStream(socket);
  output.replaceStream(socket);
  // Bytes of the handshake that were read before we got here go first.
  for (const bytes of early) transport.unshift(bytes);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), options.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('end', closed);
      socket.off('close', closed);
    };
    const fail = (e: Error) => {
      done();
      socket.destroy();
      reject(e);
    };
    const closed = () => fail(new Error('connection closed during the TLS handshake'));
    socket.once('secure', () => {
      done();
      resolve();
    });
    socket.once('error', fail);
    socket.once('end', closed);
    socket.once('close', closed);
  });
  return { discarded, socket };
}
