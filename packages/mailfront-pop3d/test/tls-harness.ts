/**
 * A mailfront-pop3d session on in-memory pipes with a real TLS client: the
 * client reads plaintext lines until it starts TLS, then speaks TLS over the
 * same pipes, as a client does over the socket tcpserver hands us.
 */
import { Duplex, PassThrough } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import type { CvmClient } from '@mailfront/cvm';
import { runPop3d } from '../src/main.js';
import { collector, fakeActions } from './helpers.js';

/** CRLF lines from a stream; null once it ended. */
export class Lines {
  #buffer = '';
  #ended = false;
  #waiters: Array<() => void> = [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (b: Buffer) => {
      this.#buffer += b.toString('latin1');
      this.#wake();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async line(): Promise<string | null> {
    for (;;) {
      const i = this.#buffer.indexOf('\r\n');
      if (i !== -1) {
        const l = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 2);
        return l;
      }
      if (this.#ended) return null;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** A status line, or the lines of a multi-line reply up to its `.`. */
  async lines(count: number): Promise<Array<string | null>> {
    const out: Array<string | null> = [];
    for (let i = 0; i < count; i++) out.push(await this.line());
    return out;
  }

  async multiLine(): Promise<string[]> {
    const out: string[] = [];
    for (let l = await this.line(); l !== null && l !== '.'; l = await this.line()) out.push(l);
    return out;
  }
}

export interface TlsClient {
  secure: TLSSocket;
  lines: Lines;
  /** The client's end of the session: resolves when the server closed TLS (close_notify). */
  ended: Promise<void>;
}

export function tlsSession(argv: string[], env: Record<string, string>, cvm?: CvmClient) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const err = collector();
  const { actions, record } = fakeActions(cvm, 0, err.stream);
  const status = runPop3d(argv, env, { stdin, stdout, stderr: err.stream }, actions);
  // One reader of stdout: plaintext lines first, then the bytes of the TLS layer.
  const plainText = new PassThrough();
  const tlsBytes = new PassThrough();
  let encrypted = false;
  stdout.on('data', (b: Buffer) => (encrypted ? tlsBytes : plainText).write(b));
  stdout.on('end', () => {
    plainText.end();
    tlsBytes.end();
  });
  const startTls = (): TlsClient => {
    encrypted = true;
    const raw = Duplex.from({ readable: tlsBytes, writable: stdin });
    raw.on('error', () => {});
    const secure = connect({ socket: raw, rejectUnauthorized: false, servername: 'pop.test' });
    secure.on('error', () => {});
    const ended = new Promise<void>((r) => secure.once('end', r));
    return { secure, lines: new Lines(secure), ended };
  };
  return { stdin, plain: new Lines(plainText), startTls, status, log: () => err.text(), actions: record };
}
