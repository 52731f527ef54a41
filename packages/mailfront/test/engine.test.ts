import t from 'tap';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { createLogger, ucspiFromEnv } from '@mailfront/core';
import { Engine } from '../src/engine/engine.js';
import type { Hooks, PluginModule } from '../src/engine/plugin.js';
import { Session } from '../src/engine/session.js';
import { loadModule } from '../src/engine/loader.js';
import { BUILTIN_PLUGINS } from '../src/builtins.js';

/** A plugin made of the given hooks, recording which hooks ran. */
function plugin(name: string, hooks: Hooks, calls: string[] = [], needFile = false): PluginModule {
  const recorded: Hooks = {};
  for (const [key, fn] of Object.entries(hooks)) {
    if (typeof fn !== 'function') continue;
    (recorded as Record<string, unknown>)[key] = (...args: unknown[]) => {
      calls.push(`${name}.${key}`);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { name, needFile, create: () => recorded };
}

function engineWith(backend: PluginModule, plugins: PluginModule[], env: Record<string, string> = {}) {
  const session = new Session({ env, ucspi: ucspiFromEnv(env), log: createLogger('t', new PassThrough()) });
  return new Engine({ session, backend, plugins, tmpdir: tmpdir() });
}

const arg = (address: string) => ({ address, params: [] });

t.test('no plugin accepting means refused; the backend is then not asked', async (t) => {
  const calls: string[] = [];
  const e = engineWith(plugin('be', { sender: () => ({ code: 250, text: 'be' }) }, calls), [plugin('p', { sender: () => undefined }, calls)]);
  t.same(await e.sender(arg('a@b')), { code: 550, text: '5.1.0 Mail system is not configured to accept that sender' });
  t.same(await e.recipient(arg('a@b')), { code: 550, text: '5.1.0 Mail system is not configured to accept that recipient' });
  t.same(calls, ['p.sender']);
});

t.test('the first error stops the chain; acceptance does not', async (t) => {
  const calls: string[] = [];
  const e = engineWith(plugin('be', {}, calls), [
    plugin('a', { recipient: () => ({ code: 250, text: 'first' }) }, calls),
    plugin('b', { recipient: () => ({ code: 251, text: 'second' }) }, calls),
    plugin('c', { recipient: () => ({ code: 553, text: 'no' }) }, calls),
    plugin('d', { recipient: () => ({ code: 250 }) }, calls),
  ]);
  t.same(await e.recipient(arg('x')), { code: 553, text: 'no' });
  t.same(calls, ['a.recipient', 'b.recipient', 'c.recipient']);
});

t.test('the first acceptance is the answer; without text the backend speaks; a backend error wins', async (t) => {
  const withText = engineWith(plugin('be', { sender: () => ({ code: 250, text: 'backend' }) }), [
    plugin('a', { sender: () => ({ code: 250, text: 'plugin' }) }),
  ]);
  t.same(await withText.sender(arg('x')), { code: 250, text: 'plugin' });
  const noText = engineWith(plugin('be', { sender: () => ({ code: 250, text: 'backend' }) }), [plugin('a', { sender: () => ({ code: 250 }) })]);
  t.same(await noText.sender(arg('x')), { code: 250, text: 'backend' });
  const failing = engineWith(plugin('be', { sender: () => ({ code: 451, text: 'disk' }) }), [
    plugin('a', { sender: () => ({ code: 250, text: 'plugin' }) }),
  ]);
  t.same(await failing.sender(arg('x')), { code: 451, text: 'disk' });
});

t.test('a final acceptance skips the plugins after it, not the backend', async (t) => {
  const calls: string[] = [];
  const e = engineWith(plugin('be', { sender: () => undefined }, calls), [
    plugin('a', { sender: () => ({ code: 250, text: 'trusted', final: true }) }, calls),
    plugin('b', { sender: () => ({ code: 553, text: 'would refuse' }) }, calls),
  ]);
  t.same(await e.sender(arg('x')), { code: 250, text: 'trusted', final: true });
  t.same(calls, ['a.sender', 'be.sender']);
});

t.test('plugins may rewrite the address for those after them', async (t) => {
  let seen = '';
  const e = engineWith(plugin('be', { recipient: (a) => ((seen = a.address), undefined) }), [
    plugin('a', { recipient: (a) => ((a.address += '@suffix'), { code: 250 }) }),
  ]);
  await e.recipient(arg('x'));
  t.equal(seen, 'x@suffix');
});

t.test('reset: backend first, then plugins; first error, else first answer', async (t) => {
  const calls: string[] = [];
  const e = engineWith(plugin('be', { reset: () => undefined }, calls), [
    plugin('a', { reset: () => ({ code: 250, text: 'ok' }) }, calls),
    plugin('b', { reset: () => ({ code: 451, text: 'bad' }) }, calls),
    plugin('c', { reset: () => undefined }, calls),
  ]);
  t.same(await e.reset(), { code: 451, text: 'bad' });
  t.same(calls, ['be.reset', 'a.reset', 'b.reset']);
  const fine = engineWith(plugin('be', {}), [plugin('a', { reset: () => ({ code: 250, text: 'ok' }) })]);
  t.same(await fine.reset(), { code: 250, text: 'ok' });
});

t.test('init: plugins in order, first error stops; any backend answer is a failure', async (t) => {
  const calls: string[] = [];
  const e = engineWith(plugin('be', { init: () => undefined }, calls), [
    plugin('a', { init: () => ({ code: 250, text: 'ignored' }) }, calls),
    plugin('b', { init: () => ({ code: 421, text: 'stop' }) }, calls),
    plugin('c', { init: () => undefined }, calls),
  ]);
  t.same(await e.init(), { code: 421, text: 'stop' });
  t.same(calls, ['a.init', 'b.init']);
});

t.test('data: backend starts first; a plugin error is stored, resets, and drops the rest', async (t) => {
  const calls: string[] = [];
  const got: string[] = [];
  const e = engineWith(
    plugin('be', { dataStart: () => undefined, dataBlock: (b) => (got.push(b.toString()), undefined), reset: () => undefined }, calls),
    [plugin('p', { dataStart: () => undefined, dataBlock: (b) => (b.includes('virus') ? { code: 554, text: 'found' } : undefined) }, calls)],
  );
  t.equal(await e.data.start(), undefined);
  await e.data.block(Buffer.from('clean '));
  await e.data.block(Buffer.from('virus '));
  await e.data.block(Buffer.from('more'));
  await e.data.inject(Buffer.from('injected'));
  t.same(await e.data.end(), { code: 554, text: 'found' });
  t.same(got, ['clean ']);
  t.same(calls.slice(0, 2), ['be.dataStart', 'p.dataStart']);
  t.ok(calls.includes('be.reset'), 'reset ran');
});

t.test('data: errors at start (backend: no reset; plugin: reset); a backend write error is never ignored', async (t) => {
  const calls: string[] = [];
  const beFails = engineWith(plugin('be', { dataStart: () => ({ code: 451, text: 'no qmail' }), reset: () => undefined }, calls), []);
  t.same(await beFails.data.start(), { code: 451, text: 'no qmail' });
  t.same(calls, ['be.dataStart']);
  const pFails = engineWith(plugin('be', { reset: () => undefined }, calls), [plugin('p', { dataStart: () => ({ code: 550, text: 'no' }) })]);
  t.same(await pFails.data.start(), { code: 550, text: 'no' });
  t.same(calls.slice(1), ['be.reset']);
  const writeFails = engineWith(plugin('be', { dataBlock: () => ({ code: 451, text: 'EIO' }) }), []);
  await writeFails.data.start();
  await writeFails.data.block(Buffer.from('x'));
  t.same(await writeFails.data.end(), { code: 451, text: 'EIO' });
});

t.test('data: message end — plugin errors reset; plugin acceptances give way to the backend', async (t) => {
  const e = engineWith(plugin('be', { messageEnd: () => ({ code: 250, text: 'queued' }) }), [plugin('p', { messageEnd: () => ({ code: 250, text: 'mine' }) })]);
  await e.data.start();
  t.same(await e.data.end(), { code: 250, text: 'queued' });
  const calls: string[] = [];
  const refused = engineWith(plugin('be', { reset: () => undefined, messageEnd: () => ({ code: 451, text: 'later' }) }, calls), [
    plugin('p', { messageEnd: () => ({ code: 554, text: 'spam' }) }),
  ]);
  await refused.data.start();
  t.same(await refused.data.end(), { code: 554, text: 'spam' });
  const beRefuses = engineWith(plugin('be', { reset: () => undefined, messageEnd: () => ({ code: 451, text: 'later' }) }, calls), []);
  await beRefuses.data.start();
  t.same(await beRefuses.data.end(), { code: 451, text: 'later' });
  t.equal(calls.filter((c) => c === 'be.reset').length, 2);
});

t.test('NEED_FILE: the file holds blocks and injected bytes; injected bytes skip plugins and the backend', async (t) => {
  const seenByPlugin: string[] = [];
  const seenByBackend: string[] = [];
  let fileText = '';
  const e = engineWith(
    plugin('be', {
      dataBlock: (b) => (seenByBackend.push(b.toString()), undefined),
      messageEnd: (file) => ((fileText = file!.read(0, 100).toString()), undefined),
    }),
    [plugin('p', { dataBlock: (b) => (seenByPlugin.push(b.toString()), undefined) }, [], true)],
  );
  await e.data.start();
  await e.data.inject(Buffer.from('Header: 1\n'));
  await e.data.block(Buffer.from('body\n'));
  await e.data.end();
  t.equal(fileText, 'Header: 1\nbody\n');
  t.same(seenByPlugin, ['body\n']);
  t.same(seenByBackend, ['body\n']);
  await e.close();
});

t.test('commands: the backend first, then plugins; close runs every close hook', async (t) => {
  const closed: string[] = [];
  const e = engineWith({ name: 'be', create: () => ({ commands: [{ name: 'A' }], close: () => void closed.push('be') }) }, [
    { name: 'p', create: () => ({ commands: [{ name: 'B' }], close: () => void closed.push('p') }) },
  ]);
  t.same(e.commands().map((c) => c.name), ['A', 'B']);
  await e.close();
  t.same(closed, ['be', 'p']);
});

t.test('helo: plugin errors returned, acceptances dropped, helo name kept, backend answers', async (t) => {
  const e = engineWith(plugin('be', { helo: () => ({ code: 250, text: 'backend hello' }) }), [plugin('p', { helo: () => ({ code: 250, text: 'plugin' }) })]);
  t.same(await e.helo('client', []), { code: 250, text: 'backend hello' });
  t.equal(e.session.heloDomain, 'client');
  const refused = engineWith(plugin('be', {}), [plugin('p', { helo: () => ({ code: 550, text: 'no' }) })]);
  t.same(await refused.helo('bad', []), { code: 550, text: 'no' });
  t.equal(refused.session.heloDomain, undefined);
});

t.test('loadModule prefers built-ins', async (t) => {
  t.equal(await loadModule('plugin', 'accept', BUILTIN_PLUGINS), BUILTIN_PLUGINS.get('accept'));
});
