import t from 'tap';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { scratchDir } from '@mailfront/testkit';
import { compileIpsvdDirectory, isEntryName, MAX_ENTRY_BYTES, RulesReadError } from '../src/ipsvd.js';
import { formatProblem, MAX_ERRORS, Problems } from '../src/problems.js';

function entry(dir: string, name: string, text: string, mode = 0o644): void {
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), mode);
}

function compile(dir: string) {
  const problems = new Problems();
  const records = compileIpsvdDirectory(dir, problems);
  return {
    dump: records.map(([k, v]) => `${k.toString('latin1')}->${v.toString('latin1').replace(/\0/g, '^@')}`),
    problems: problems.list.map((p) => `${p.severity} ${formatProblem(p).slice(dir.length + 1)}`),
    errors: problems.errors,
  };
}

t.test('entry names tcpsvd can look up', async (t) => {
  for (const good of ['0', '1', '10.66', '192.168.1', '127.0.0.1', '255.255.255.255', 'mail.example.org', 'example', 'a-b_c.example', '1.2.example']) {
    t.ok(isEntryName(good), good);
  }
  for (const bad of ['', '10.', '.x', '256', '1.2.3.4.5', '010.1', '1..2', 'a b', 'host:25', '10.0.0.0/8', 'x'.repeat(254)]) {
    t.notOk(isEntryName(bad), bad);
  }
});

t.test('the encoding of ipsvd-cdb: D, X, I', async (t) => {
  const dir = scratchDir(t);
  entry(dir, '192.168', '# allow local net, relay\n+RELAYCLIENT=\n\nC5:421 too many connections\\r\\n\n');
  entry(dir, '127.0.0.1', '+RELAYCLIENT=\n+SMTPAUTH=1\n');
  entry(dir, '10.0.0.1', '');
  entry(dir, '10.66', 'whatever', 0o000);
  entry(dir, '10.77.0.1', 'echo "550 go away"\n', 0o744);
  entry(dir, '203.0.113', '+RBLSMTPD=-spam source\n+DATABYTES');
  entry(dir, '198.51.101', '=0:127.0.0.1\n');
  entry(dir, 'friend.example.org', '=friend.example.org\n+TRUST=yes', 0o400);
  entry(dir, '0', '+RBLSMTPD=\n');
  entry(dir, '.swp', 'junk');
  const r = compile(dir);
  t.same(r.dump, [
    '0->+RBLSMTPD=I',
    '10.0.0.1->I',
    '10.66->D',
    '10.77.0.1->echo "550 go away"X',
    '127.0.0.1->+RELAYCLIENT=^@+SMTPAUTH=1I',
    '192.168-># allow local net, relay^@+RELAYCLIENT=^@^@C5:421 too many connections\\r\\nI',
    '198.51.101->=0:127.0.0.1I',
    '203.0.113->+RBLSMTPD=-spam source^@+DATABYTESI',
    'friend.example.org->=friend.example.org^@+TRUSTI'.replace('TRUSTI', 'TRUST=yesI'),
  ]);
  t.same(r.problems, ['warning .swp: ignored: names starting with a dot are never looked up']);
});

t.test('every mistake is an error naming file and line', async (t) => {
  const dir = scratchDir(t);
  entry(dir, '127.0.0.1', '+A=1\nbogus\n+\n+=x\nC:x\nC5:ok\n=\n+B=\r\n+C=a\0b\n=host:missing\n=0:10.1\n');
  entry(dir, '10.1', '+X=1\n');
  entry(dir, '10.0.0.0', '', 0o700);
  entry(dir, '1.2.3.4', 'a\0b', 0o500);
  entry(dir, 'bad name', '');
  mkdirSync(join(dir, '10.2'));
  symlinkSync(join(dir, 'nowhere'), join(dir, '10.3'));
  execFileSync('mkfifo', [join(dir, '10.4')]);
  entry(dir, '10.5', 'x'.repeat(MAX_ENTRY_BYTES + 1));
  const r = compile(dir);
  t.same(r.dump, ['10.0.0.0->X', '10.1->+X=1I']);
  t.same(r.problems, [
    'error 1.2.3.4: NUL byte in the command',
    'warning 10.0.0.0: executable but empty: tcpsvd will run an empty command and close the connection',
    'error 10.2: is a directory',
    'error 10.3: unable to stat: ' + r.problems[3]!.split('unable to stat: ')[1],
    'error 10.4: is not a regular file',
    `error 10.5: larger than ${MAX_ENTRY_BYTES} bytes`,
    'error 127.0.0.1:2: unknown instruction "bogus": expected +NAME=value, +NAME, Cn[:message], =host[:entry] or #comment',
    'error 127.0.0.1:3: bad variable name "" in "+"',
    'error 127.0.0.1:4: bad variable name "" in "+=x"',
    'error 127.0.0.1:5: bad concurrency instruction "C:x": expected Cn or Cn:message',
    'error 127.0.0.1:7: bad host "" in "=": expected =host or =host:entry',
    'error 127.0.0.1:8: carriage return in the line (DOS line ends? the C tools would keep it as part of the value)',
    'error 127.0.0.1:9: NUL byte in the line',
    'warning 127.0.0.1:10: forwards to "missing", which does not exist: tcpsvd will deny these clients',
    'error bad name: bad file name "bad name": expected an IPv4 address or prefix without trailing dot (10.1.2), a host name, or 0',
  ]);
  t.match(r.problems[3], /no such file/);
  t.equal(r.errors, 13);
});

t.test('an unreadable directory is a system problem', async (t) => {
  t.throws(() => compileIpsvdDirectory('/nonexistent/iprules', new Problems()), RulesReadError);
});

t.test('problems are capped, not the count', async (t) => {
  const p = new Problems();
  for (let i = 0; i < MAX_ERRORS + 5; i++) p.error('f', i, 'x');
  t.equal(p.list.length, MAX_ERRORS);
  t.equal(p.errors, MAX_ERRORS + 5);
  t.equal(formatProblem({ severity: 'error', file: 'f', line: undefined, message: 'm' }), 'f: m');
});
