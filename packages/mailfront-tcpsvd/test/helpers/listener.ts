/**
 * A Listener for Session tests: real TCP connections on 127.0.0.1 (accepted
 * paused, as the worker gets them), fake programs, collected logs.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { collector, type Collector } from '@mailfront/testkit';
import type { Env, Main } from '@mailfront/core';
import type { Lookups } from '../../src/dns.js';
import { createListenerLog } from '../../src/log.js';
import { parseOptions, type ListenerOptions } from '../../src/options.js';
import type { InProcessProgram, Resolved } from '../../src/programs.js';
import type { RulesSource } from '../../src/rules-source.js';
import type { Listener } from '../../src/listener.js';

export interface Harness {
  listener: Listener;
  stdout: Collector;
  stderr: Collector;
  stop: AbortController;
}

export function options(argv: string[]): ListenerOptions {
  const parsed = parseOptions([...argv, '127.0.0.1', '0', 'first'], 1);
  if (parsed.kind !== 'ok') throw new Error('bad test options');
  return parsed.options;
}

export function harness(opts: {
  argv?: string[];
  program?: string[];
  programs?: Record<string, Main | Partial<InProcessProgram>>;
  rules?: RulesSource;
  lookups?: Partial<Lookups>;
  env?: Env;
}): Harness {
  const o = options(opts.argv ?? ['-vv', '-l', 'mx.test']);
  if (opts.program) o.program = opts.program;
  const stdout = collector();
  const stderr = collector();
  const stop = new AbortController();
  const table = new Map<string, InProcessProgram>();
  for (const [name, p] of Object.entries(opts.programs ?? {})) {
    table.set(name, typeof p === 'function' ? { name, main: p } : ({ name, ...p } as InProcessProgram));
  }
  const listener: Listener = {
    options: o,
    baseEnv: opts.env ?? { PATH: '/usr/bin:/bin' },
    rules: opts.rules,
    lookups: { name: async () => undefined, addresses: async () => [], ...opts.lookups },
    programs: {
      resolve: (name): Resolved => {
        const program = table.get(name);
        if (program) return { kind: 'in-process', file: `/fake/${name}`, program };
        if (name.startsWith('/')) return { kind: 'spawn', file: name };
        return { kind: 'missing' };
      },
    },
    log: createListenerLog(o.verbose, stdout.stream, stderr.stream),
    stderr: stderr.stream,
    windDown: stop.signal,
  };
  return { listener, stdout, stderr, stop };
}

/** A server whose connections arrive paused, and a client connected to it from `localAddress`. */
export async function connection(localAddress = '127.0.0.1'): Promise<{ server: Socket; client: Socket; close(): void }> {
  const listening: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  await new Promise<void>((r) => listening.listen(0, '127.0.0.1', r));
  const port = (listening.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => listening.once('connection', r));
  const client = connect({ port, host: '127.0.0.1', localAddress });
  client.on('error', () => {});
  const server = await accepted;
  listening.close();
  return { server, client, close: () => client.destroy() };
}

/** Everything the client receives until the server closes. */
export function received(client: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    client.on('data', (b: Buffer) => (text += b.toString('latin1')));
    client.on('close', () => resolve(text));
  });
}
