import t from 'tap';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { createLogger, ucspiFromEnv } from '@mailfront/core';
import { echoBackend } from '../src/backends/echo.js';
import { Engine } from '../src/engine/engine.js';
import { Session } from '../src/engine/session.js';
import type { PluginModule } from '../src/engine/plugin.js';
import { scannerPlugin, type ContentScanner } from '../src/plugins/scanner.js';

const FAILURE = { code: 451, text: '4.3.0 Could not scan message' };

function engine(plugin: PluginModule) {
  const lines: string[] = [];
  const log = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
  const session = new Session({ env: {}, ucspi: ucspiFromEnv({}), log: createLogger('t', log) });
  const e = new Engine({ session, backend: echoBackend, plugins: [plugin], tmpdir: tmpdir() });
  return { e, log: () => lines.join('') };
}

async function deliver(plugin: PluginModule, body: string) {
  const { e, log } = engine(plugin);
  await e.data.start();
  await e.data.block(Buffer.from(body));
  const result = await e.data.end();
  await e.close();
  return { result, log: log() };
}

const scanning = (scan: ContentScanner['scan']) => scannerPlugin({ name: 'test-scanner', failure: FAILURE, create: () => ({ scan }) });

t.test('the scanner sees the whole message from a file; clean passes to the backend', async (t) => {
  let seen = '';
  const r = await deliver(scanning(async (file) => ((seen = file.read(0, 1000).toString()), { verdict: 'clean' })), 'line 1\nline 2\n');
  t.equal(seen, 'line 1\nline 2\n');
  t.same(r.result, { code: 250, text: 'Received 14 bytes.' });
});

t.test('refuse, skip, and fail closed', async (t) => {
  const virus = await deliver(scanning(async () => ({ verdict: 'refuse', response: { code: 554, text: '5.7.0 Virus found: EICAR' } })), 'x');
  t.same(virus.result, { code: 554, text: '5.7.0 Virus found: EICAR' });
  const big = await deliver(scanning(async () => ({ verdict: 'skip', reason: 'larger than 10 MB' })), 'x');
  t.same(big.result, { code: 250, text: 'Received 1 bytes.' });
  t.match(big.log, /test-scanner: not scanned: larger than 10 MB/);
  const broken = await deliver(scanning(async () => Promise.reject(new Error('connection refused'))), 'x');
  t.same(broken.result, FAILURE);
  t.match(broken.log, /Warning: test-scanner: connection refused/);
  const unconfigured = await deliver(scannerPlugin({ name: 'off', failure: FAILURE, create: () => undefined }), 'x');
  t.same(unconfigured.result, FAILURE, 'an unconfigured scanner defers every message');
});

t.test('a scanner may rewrite the message; the backend gets the new file', async (t) => {
  const rewriting: PluginModule = scannerPlugin({
    name: 'spamish',
    failure: FAILURE,
    create: (ctx) => ({
      async scan(file) {
        const rewritten = ctx.newMessageFile();
        rewritten.append(Buffer.from('X-Spam-Status: No\n'));
        rewritten.append(file.read(0, file.size));
        return { verdict: 'replace', file: rewritten };
      },
    }),
  });
  const r = await deliver(rewriting, 'body\n');
  t.same(r.result, { code: 250, text: 'Received 23 bytes.' }, '18 bytes of header + 5 of body');
  t.match(r.log, /X-Spam-Status: No/, 'the echo backend logs the new file');
});

t.test('replacing the message without a temporary file is a bug', async (t) => {
  const { e } = engine({ name: 'bad', create: (ctx) => ({ messageEnd: () => (ctx.replaceMessage(ctx.newMessageFile()), undefined) }) });
  await e.data.start();
  await t.rejects(async () => e.data.end(), /no temporary file is in use/);
  await e.close();
});
