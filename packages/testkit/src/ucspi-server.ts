/**
 * Runs a program under the real tcpserver or tcpsvd on 127.0.0.1, the way a
 * runscript does, for interop and end-to-end tests. Also a small line client
 * to talk to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { untrackedEnv } from './run.js';
import { waitFor } from './wait.js';

/** A port that was free a moment ago (the usual race is handled by retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface UcspiServer {
  port: number;
  /** What the server (tcpsvd -v logs) and its children wrote to stderr/stdout. */
  log(): string;
  stop(): Promise<void>;
}

export interface UcspiServerOptions {
  /** 'tcpserver' or 'tcpsvd', or a path to one of them (or to mailfront-tcpsvd's bundle, with `node`). */
  server: string;
  /** Runs `server` with this interpreter (a Node for a bundle that needs a newer one than /usr/bin/node). */
  interpreter?: string;
  /** Options before the address, e.g. ['-x', 'rules.cdb'] for tcpsvd. */
  serverArgs?: string[];
  program: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function startUcspiServer(options: UcspiServerOptions): Promise<UcspiServer> {
  const port = await freePort();
  const isTcpsvd = /tcpsvd(\.js)?$/.test(options.server);
  // No DNS and no ident lookups: tests must not depend on a resolver.
  const quiet = isTcpsvd ? ['-l', 'mx.test'] : ['-R', '-H', '-l', 'mx.test'];
  const args = [...quiet, ...(options.serverArgs ?? []), '127.0.0.1', String(port), ...options.program];
  const child = spawn(options.interpreter ?? options.server, options.interpreter ? [options.server, ...args] : args, {
    env: untrackedEnv(options.env ?? process.env),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  await waitForListener(port, child);
  return {
    port,
    log: () => log,
    stop: () => stopChild(child),
  };
}

async function waitForListener(port: number, child: ChildProcess): Promise<void> {
  try {
    await waitFor(`a listener on port ${port}`, () => {
      if (child.exitCode !== null) throw new Error(`server exited with status ${child.exitCode}`);
      return canConnect(port);
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/** A client that reads CRLF/LF lines and writes raw bytes. */
export class LineClient {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (b: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, b]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, localAddress });
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the server')), timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The next line without its line end, or null once the server closed. */
  async readLine(timeoutMs = 10_000): Promise<string | null> {
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf !== -1) {
        const line = this.#buffer.subarray(0, lf).toString('latin1').replace(/\r$/, '');
        this.#buffer = this.#buffer.subarray(lf + 1);
        return line;
      }
      if (this.#closed) return null;
      await this.#wait(timeoutMs);
    }
  }

  /** An SMTP reply: its lines up to the one with a space after the code. */
  async readReply(timeoutMs = 10_000): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine(timeoutMs);
      if (line === null) return lines;
      lines.push(line);
      if (!/^\d{3}-/.test(line)) return lines;
    }
  }

  /** Everything until the server closes the connection. */
  async readAll(timeoutMs = 10_000): Promise<string> {
    while (!this.#closed) await this.#wait(timeoutMs);
    const text = this.#buffer.toString('latin1');
    this.#buffer = Buffer.alloc(0);
    return text;
  }

  send(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Half-closes our side, as a client that sent everything. */
  end(): void {
    this.#socket.end();
  }

  close(): void {
    this.#socket.destroy();
  }
}
