import t from 'tap';
import { chmodSync, mkdirSync, renameSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeCdb } from '@mailfront/cdb64';
import { scratchDir } from '@mailfront/testkit';
import type { Lookups } from '../src/dns.js';
import { decide, ruleKeys, type RulesContext, type SessionEnv } from '../src/rules.js';
import { CdbRules, DirectoryRules, RuleCheckError, RulesUnreadable, type RulesSource } from '../src/rules-source.js';

const dir = scratchDir(t);
let serial = 0;

/** A rules cdb from [key, value] pairs, values in ipsvd-cdb's encoding. */
function cdb(records: Record<string, string>): CdbRules {
  const path = join(dir, `rules${serial++}.cdb`);
  writeCdb(path, Object.entries(records).map(([k, v]) => [Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1')] as const));
  return new CdbRules(path);
}

const dns: Record<string, string[]> = { 'friend.example': ['192.0.2.7'], 'other.example': ['198.51.100.1'] };
const lookups: Lookups = {
  name: async () => undefined,
  addresses: async (host) => {
    if (host === 'broken.example') throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    return dns[host] ?? [];
  },
};

function context(source: RulesSource) {
  const warnings: string[] = [];
  const ctx: RulesContext = { source, lookups, warn: (w) => warnings.push(w) };
  return { ctx, warnings };
}

t.test('the keys, in tcpsvd\'s order', async (t) => {
  t.same(ruleKeys('192.0.2.7', ''), ['192.0.2.7', '192.0.2', '192.0', '192', '0']);
  t.same(ruleKeys('192.0.2.7', 'mx.mail.example.org'), ['192.0.2.7', '192.0.2', '192.0', '192', 'mx.mail.example.org', 'mail.example.org', 'example.org', 'org', '0']);
  t.same(ruleKeys('2001:db8::1', ''), ['2001:db8::1', '0'], 'IPv6: the address, then 0');
});

t.test('cdb: the first key found decides; instructions set and remove variables', async (t) => {
  const rules = cdb({ '192.0.2': '+RELAYCLIENT=\0+TCPREMOTEIP=9.9.9.9\0+PROTO\0# note\0\0+\0+=x\0bogus lineI', '192': 'D', '0': '+X=catchallI' });
  const { ctx, warnings } = context(rules);
  const env: SessionEnv = { PROTO: 'TCP', TCPREMOTEIP: '192.0.2.7' };
  const d = await decide('192.0.2.7', '', env, undefined, ctx);
  t.same(d, { action: 'default', match: '192.0.2', text: '+RELAYCLIENT=\0+TCPREMOTEIP=9.9.9.9\0+PROTO\0# note\0\0+\0+=x\0bogus line', perHost: undefined });
  t.same(env, { TCPREMOTEIP: '9.9.9.9', RELAYCLIENT: '' });
  t.same(warnings, ['bad instruction: 192.0.2: bogus line']);
  t.match(await decide('192.1.1.1', '', {}, undefined, ctx), { action: 'deny', match: '192' });
  const env2: SessionEnv = {};
  t.match(await decide('10.1.1.1', '', env2, undefined, ctx), { action: 'default', match: '0' });
  t.same(env2, { X: 'catchall' });
  t.same(await decide('10.1.1.1', '', {}, undefined, context(cdb({ '10.1': 'Z', '10': 'echo hiX' })).ctx), { action: 'exec', match: '10', text: 'echo hi', perHost: undefined }, 'a value that is not ipsvd\'s is skipped');
  t.same(await decide('10.1.1.1', '', {}, undefined, context(cdb({})).ctx), { action: 'default', match: '', text: '', perHost: undefined });
});

t.test('host name keys come after the address keys', async (t) => {
  const { ctx } = context(cdb({ 'example.org': '+HOST=yesI', '0': 'D' }));
  const env: SessionEnv = {};
  t.match(await decide('192.0.2.7', 'mx.example.org', env, undefined, ctx), { action: 'default', match: 'example.org' });
  t.same(env, { HOST: 'yes' });
});

t.test('C instructions: only with -C, the last wins, C0 turns the limit off', async (t) => {
  const limit = { limit: 5, message: Buffer.from('busy') };
  const { ctx } = context(cdb({ '10': 'C2:421 rule\\r\\nI', '11': 'C3\0C1I', '12': 'C0\0C4I', '13': 'CxI' }));
  t.same((await decide('10.0.0.1', '', {}, limit, ctx)).perHost, { limit: 2, message: Buffer.from('421 rule\r\n') });
  t.same((await decide('10.0.0.1', '', {}, undefined, ctx)).perHost, undefined, 'ignored without -C');
  t.same((await decide('11.0.0.1', '', {}, limit, ctx)).perHost, { limit: 1, message: Buffer.from('busy') }, 'no message: -C\'s stays');
  t.same((await decide('12.0.0.1', '', {}, limit, ctx)).perHost?.limit, 0);
  t.same((await decide('13.0.0.1', '', {}, limit, ctx)).perHost?.limit, 0);
});

t.test('=host lines: admit when the name leads to the client, stop there, forward', async (t) => {
  const { ctx, warnings } = context(
    cdb({
      '192.0.2.7': '+BEFORE=1\0=friend.example\0+AFTER=1I',
      '192.0.2.8': '=other.example\0+X=1I',
      '192.0.2.9': '=0:fwd\0+Y=neverI',
      '192.0.2.10': '=broken.example\0=nowhere.example\0=0I',
      '192.0.2.11': '=0:missingI',
      '192.0.2.12': '=0:runI',
      fwd: '+F=1\0=other.exampleI',
      run: 'echo forwardedX',
    }),
  );
  const env: SessionEnv = {};
  t.same(await decide('192.0.2.7', '', env, undefined, ctx), { action: 'default', match: '192.0.2.7', text: '+BEFORE=1\0=friend.example', perHost: undefined });
  t.same(env, { BEFORE: '1' }, 'lines after the matching = are not applied');
  t.match(await decide('192.0.2.8', '', {}, undefined, ctx), { action: 'deny' }, 'no = line matched');
  const fwd: SessionEnv = {};
  t.same(await decide('192.0.2.9', '', fwd, undefined, ctx), { action: 'default', match: '192.0.2.9,fwd', text: '=0:fwd\0+F=1\0=other.example', perHost: undefined });
  t.same(fwd, { F: '1' }, "the forward entry's own = lines are ignored");
  t.match(await decide('192.0.2.10', '', {}, undefined, ctx), { action: 'default' }, 'a failed lookup only warns');
  t.match(warnings, [/unable to look up ip address: broken.example: ETIMEOUT/, /unable to look up ip address: nowhere.example/]);
  t.match(await decide('192.0.2.11', '', {}, undefined, ctx), { action: 'deny', match: '192.0.2.11,missing' });
  t.match(warnings.at(-1), '192.0.2.11,missing: not found');
  t.same(await decide('192.0.2.12', '', {}, undefined, ctx), { action: 'exec', match: '192.0.2.12,run', text: 'echo forwarded', perHost: undefined });
});

t.test('cdb: missing fails closed; a rebuilt cdb applies to the next connection', async (t) => {
  const path = join(dir, 'live.cdb');
  const rules = new CdbRules(path);
  t.throws(() => rules.open(), RulesUnreadable);
  t.throws(() => rules.open(), /file does not exist/);
  writeCdb(path, [[Buffer.from('0'), Buffer.from('+V=oneI')]]);
  const env: SessionEnv = {};
  await decide('10.0.0.1', '', env, undefined, context(rules).ctx);
  t.equal(env.V, 'one');
  // What iprules-make does: a new file renamed over the old one.
  writeCdb(path + '.tmp', [[Buffer.from('0'), Buffer.from('+V=twoI')]]);
  renameSync(path + '.tmp', path);
  await decide('10.0.0.1', '', env, undefined, context(rules).ctx);
  t.equal(env.V, 'two');
  rules.forget();
  writeFileSync(path, 'not a cdb');
  t.throws(() => rules.open(), RulesUnreadable, 'a damaged file fails closed');
  t.throws(() => cdb({ '0': '' }).open().find('0'), RuleCheckError, 'an empty value is a check error, as in tcpsvd');
});

t.test('directory rules: the owner bits decide; -t expires writable entries', async (t) => {
  const peers = join(dir, 'peers');
  mkdirSync(peers);
  writeFileSync(join(peers, '10.0.0.1'), '+A=1\n+B=2\n');
  writeFileSync(join(peers, '10.0.0.2'), '');
  chmodSync(join(peers, '10.0.0.2'), 0o000);
  writeFileSync(join(peers, '10.0.0.3'), 'echo "554 go away"\n');
  chmodSync(join(peers, '10.0.0.3'), 0o744);
  writeFileSync(join(peers, '10.0.0.4'), '+OLD=1');
  writeFileSync(join(peers, '10.0.0.5'), '+KEPT=1');
  chmodSync(join(peers, '10.0.0.5'), 0o444);
  const old = (Date.now() - 3600_000) / 1000;
  utimesSync(join(peers, '10.0.0.4'), old, old);
  utimesSync(join(peers, '10.0.0.5'), old, old);
  const rules = new DirectoryRules(peers, 60);
  const { ctx } = context(rules);
  const env: SessionEnv = {};
  t.same(await decide('10.0.0.1', '', env, undefined, ctx), { action: 'default', match: '10.0.0.1', text: '+A=1\0+B=2', perHost: undefined });
  t.same(env, { A: '1', B: '2' });
  t.equal(rules.matchName('10.0.0.1'), `${peers}/10.0.0.1`);
  t.equal(rules.matchName(''), '');
  t.equal(rules.logPrefix, '');
  t.match(await decide('10.0.0.2', '', {}, undefined, ctx), { action: 'deny' });
  t.match(await decide('10.0.0.3', '', {}, undefined, ctx), { action: 'exec', text: 'echo "554 go away"' });
  t.match(await decide('10.0.0.4', '', {}, undefined, ctx), { action: 'default', match: '' }, 'expired');
  t.notOk(existsSync(join(peers, '10.0.0.4')), 'and removed');
  t.match(await decide('10.0.0.5', '', {}, undefined, ctx), { match: '10.0.0.5' }, 'not writable: never expires');
  t.throws(() => new DirectoryRules(join(dir, 'nope'), 0).open(), RulesUnreadable);
});
