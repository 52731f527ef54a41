import t from 'tap';
import { PassThrough } from 'node:stream';
import { countFor, handOff, limitFor, observeFor, sessionPid, untilWindDown, WOUND_DOWN } from '../src/chain.js';
import { ExecError } from '../src/exec.js';
import type { Env } from '../src/env.js';
import type { Io, ListenSession } from '../src/main.js';

function listenIo(id = 42) {
  const calls: Array<{ argv: readonly string[]; env: Env }> = [];
  const counters = new Map<string, number>();
  const stop = new AbortController();
  const session: ListenSession = {
    id,
    runNext: async (argv, env) => {
      calls.push({ argv, env });
      return 7;
    },
    windDown: stop.signal,
    count: (name, amount = 1) => counters.set(name, (counters.get(name) ?? 0) + amount),
  };
  const io: Io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), session };
  return { io, calls, counters, stop };
}

t.test('in listen mode handOff calls the listener, not exec', async (t) => {
  const { io, calls } = listenIo();
  const env = { A: '1' };
  t.equal(await handOff(['next', 'arg'], env, io, { execve: () => t.fail('no exec in listen mode') as never }), 7);
  t.same(calls, [{ argv: ['next', 'arg'], env }]);
});

t.test('in exec mode handOff execs (here a stand-in execve) and flushes the log first', async (t) => {
  const stderr = new PassThrough();
  const io: Io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr };
  const logged: boolean[] = [];
  stderr.write('pending line\n', () => logged.push(true));
  const execve = (file: string, args: string[]) => {
    t.same([file, args], ['/bin/sh', ['/bin/sh', '-c', 'exit 3']]);
    t.same(logged, [true], 'the log was flushed before the exec');
    return 3;
  };
  stderr.resume();
  t.equal(await handOff(['/bin/sh', '-c', 'exit 3'], { PATH: '/bin:/usr/bin' }, io, { execve }), 3);
  await t.rejects(handOff(['no-such-program-here'], { PATH: '/nonexistent' }, io, { execve }), ExecError);
});

t.test('sessionPid: the session id in listen mode, the pid otherwise', async (t) => {
  t.equal(sessionPid(listenIo(9).io), 9);
  t.equal(sessionPid({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }), process.pid);
});

t.test('countFor adds to the session counters, and is a no-op in exec mode', async (t) => {
  const { io, counters } = listenIo();
  countFor(io, 'x');
  countFor(io, 'x', 4);
  t.equal(counters.get('x'), 5);
  countFor({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }, 'x');
});

t.test('observeFor and limitFor reach the listener; nothing in exec mode or with a listener without them', async (t) => {
  const { io } = listenIo();
  const seen: Array<[string, number]> = [];
  const asked: string[] = [];
  const session = {
    ...io.session!,
    observe: (name: string, seconds: number) => void seen.push([name, seconds]),
    limit: async (event: 'message' | 'recipient') => {
      asked.push(event);
      return event === 'recipient' ? { code: 451, text: '4.7.1 Too many recipients' } : undefined;
    },
  };
  const full: Io = { ...io, session };
  observeFor(full, 'backend_seconds', 0.25);
  t.same(seen, [['backend_seconds', 0.25]]);
  t.equal(await limitFor(full, 'message'), undefined);
  t.same(await limitFor(full, 'recipient'), { code: 451, text: '4.7.1 Too many recipients' });
  t.same(asked, ['message', 'recipient']);
  const exec: Io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  observeFor(exec, 'x', 1);
  t.equal(await limitFor(exec, 'message'), undefined);
  observeFor(io, 'x', 1);
  t.equal(await limitFor(io, 'recipient'), undefined, 'a listener without limits');
});

t.test('untilWindDown', async (t) => {
  t.equal(await untilWindDown(Promise.resolve(1), undefined), 1, 'no signal: the promise itself');
  const stop = new AbortController();
  t.equal(await untilWindDown(Promise.resolve(2), stop.signal), 2, 'the value when it comes first');
  await t.rejects(untilWindDown(Promise.reject(new Error('boom')), stop.signal), /boom/, 'errors pass through');
  const never = new Promise<number>(() => {});
  const waiting = untilWindDown(never, stop.signal);
  stop.abort();
  t.equal(await waiting, WOUND_DOWN, 'wind-down while waiting');
  t.equal(await untilWindDown(Promise.reject(new Error('ignored')), stop.signal), WOUND_DOWN, 'already wound down');
});
