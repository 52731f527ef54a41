import t from 'tap';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { collector, run, scratchDir, type Teardown } from '@mailfront/testkit';
import { main } from '../src/main.js';

async function client(argv: string[], env: Record<string, string> = {}) {
  const out = collector();
  const err = collector();
  const code = await main(argv, env, { stdin: Readable.from([]), stdout: out.stream, stderr: err.stream });
  return { code, out: out.bytes().toString('latin1'), err: err.text() };
}

/** A module on a socket that answers every request with these bytes (its nonce is R=0). */
async function fakeModule(t: Teardown, reply: string) {
  const path = join(scratchDir(t), 'fake.sock');
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', () => {});
    s.on('end', () => s.end(Buffer.from(reply.replace(/\s+/g, ''), 'hex')));
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.teardown(() => {
    server.close();
  });
  return `cvm-local:${path}`;
}

const fact = (type: number, value: string) => Buffer.concat([Buffer.from([type, value.length]), Buffer.from(value)]).toString('hex');

t.test('usage errors (reference A.3)', async (t) => {
  const usage = 'cvm-testclient: Fatal: Incorrect usage.\nusage: cvm-testclient cvmodule account domain\n   or: cvm-testclient cvmodule account domain password\n\n';
  t.same(await client(['']), { code: 1, out: '', err: usage });
  t.same(await client(['a', 'b', 'c', 'd', 'e']), { code: 1, out: '', err: usage });
  t.equal((await client(['a'], { MSG_NO_PROGRAM: '1' })).err, usage.replace('cvm-testclient: ', ''));
  t.match((await client(['--help'])).out, /^Usage: cvm-testclient cvmodule account domain \[password\]/);
  t.match((await client(['--version'])).out, /^cvm-testclient \d+\.\d+\.\d+\n$/);
});

t.test('success: eleven lines, (null), empty values, groups in order (reference §8.1, A.20)', async (t) => {
  const module = await fakeModule(t, `0000 ${fact(1, 'u')} ${fact(2, '1')} ${fact(3, '2')} ${fact(4, '')} ${fact(5, '/')} ${fact(14, 'd')} ${fact(8, '5')} ${fact(200, 'x')} ${fact(8, '7')} 00`);
  const r = await client([module, 'joe', 'example.org']);
  t.equal(r.code, 0);
  t.equal(r.err, '');
  t.equal(
    r.out,
    [
      'user name:        u',
      'user ID:          1',
      'group ID:         2',
      'real name:        ',
      'directory:        /',
      'shell:            (null)',
      'group name:       (null)',
      'system user name: (null)',
      'system directory: (null)',
      'domain:           d',
      'mailbox path:     (null)',
      'supp. group ID:   5',
      'supp. group ID:   7',
      '',
    ].join('\n'),
  );
});

t.test('a group as the last fact ends the output (the C client loops forever)', async (t) => {
  const module = await fakeModule(t, `0000 ${fact(1, 'u')} ${fact(2, '1')} ${fact(3, '2')} ${fact(5, '/')} ${fact(8, '5')} ${fact(8, 'x')} ${fact(8, '7')} 00`);
  const r = await client([module, 'joe', '']);
  t.equal(r.out.split('\n').filter((l) => l.startsWith('supp.')).length, 1, 'and stops at a group that is not a number, as cvm does');
});

t.test('failures: stderr line, out of scope on stdout, exit code', async (t) => {
  t.same(await client([await fakeModule(t, `6400 ${fact(16, '1')} 00`), 'joe', 'unknown.dom']), {
    code: 100,
    out: 'out of scope:     1\n',
    err: 'cvm-testclient: Authentication failed, error #100 (Credentials rejected)\n',
  });
  t.same(await client([await fakeModule(t, '070000'), 'joe', 'x']), {
    code: 7,
    out: '',
    err: 'cvm-testclient: Authentication failed, error #7 (Credential missing in data from module)\n',
  });
  t.match(await client([await fakeModule(t, '320000'), 'joe', 'x']), { code: 50, err: /#50 \(Unknown error\)/ });
  t.match(await client([await fakeModule(t, '650000'), 'joe', 'x']), { code: 101, err: /#101 \(Unknown error code\)/ });
  t.match(await client([await fakeModule(t, `6400 ${fact(16, 'x')} 00`), 'joe', 'x']), { code: 100, out: '' }, 'a non-numeric out-of-scope is not printed');
  t.match(await client([await fakeModule(t, `0000 ${fact(1, 'u')} 00`), 'joe', 'x']), { code: 3, err: /#3 \(Invalid data from module\)/ });
  t.match(await client(['cvm-local:/nonexistent/socket', 'joe', 'x', 'pw'], { MSG_NO_PROGRAM: '' }), { code: 4, err: 'Authentication failed, error #4 (Input/Output error)\n' });
});

t.test('the bundle runs', async (t) => {
  const r = await run(join(import.meta.dirname, '../dist/cvm-testclient.js'), ['cvm-local:/nonexistent', 'joe', 'x']);
  t.equal(r.status, 4);
  t.equal(r.stderr.toString(), 'cvm-testclient: Authentication failed, error #4 (Input/Output error)\n');
});
