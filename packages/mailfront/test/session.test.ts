import t from 'tap';
import { createLogger, ucspiFromEnv } from '@mailfront/core';
import { PassThrough } from 'node:stream';
import { Session } from '../src/engine/session.js';

const make = (env: Record<string, string>) =>
  new Session({ env, ucspi: ucspiFromEnv(env), log: createLogger('t', new PassThrough()) });

t.test('session entries come before the process environment; the first entry wins', async (t) => {
  const s = make({ DATABYTES: '100', X: 'process' });
  t.equal(s.getenv('X'), 'process');
  s.putenv('X', 'first');
  s.putenv('X', 'second');
  t.equal(s.getenv('X'), 'first');
  t.ok(s.isSet('X'));
  t.notOk(s.isSet('Y'));
  s.clearEnv();
  t.equal(s.getenv('X'), 'process');
});

t.test('numbers: the smallest non-zero value', async (t) => {
  const s = make({ DATABYTES: '100' });
  t.equal(s.getenvNumber('DATABYTES'), 100);
  s.putenv('DATABYTES', '50');
  s.putenv('DATABYTES', '0');
  s.putenv('DATABYTES', '70');
  t.equal(s.getenvNumber('DATABYTES'), 50);
  t.equal(s.getenvNumber('MAXRCPTS'), 0);
  s.putenv('MAXRCPTS', 'ten');
  t.throws(() => s.getenvNumber('MAXRCPTS'), { name: 'ConfigError', message: /MAXRCPTS="ten"/ });
});

t.test('the exported environment: process, then entries in order (the last wins), as text', async (t) => {
  const s = make({ A: '1', B: 'caf\u00e9' });
  s.putenv('A', '2');
  s.putenv('A', '3');
  const env = s.exportEnv();
  t.equal(env.A, '3');
  t.equal(env.B, 'caf\u00e9', 'UTF-8 survives the binary-string round trip');
  t.equal(s.getenv('B'), 'caf\u00c3\u00a9', 'inside, it is the bytes');
  t.notOk(s.authenticated);
  s.auth = { user: 'u' };
  t.ok(s.authenticated);
});
