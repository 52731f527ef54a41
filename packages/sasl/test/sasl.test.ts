import t from 'tap';
import { Cred, type CvmClient, type CvmCredential, type CvmResult } from '@mailfront/cvm';
import { createHmac } from 'node:crypto';
import {
  authenticationEnv,
  decodeBase64,
  encodeBase64,
  parseAuthArgument,
  saslMechanismsFromEnv,
  SaslServer,
  type SaslStep,
} from '../src/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const OK_FACTS = { username: 'joe', userId: 1000, groupId: 100, directory: '/home/joe', suppGroupIds: [] };

/** A CVM client that accepts joe/secret (and CRAM-MD5 with the key "secret"), answers 4 for "broken". */
function fakeClient(seen: CvmCredential[][]): CvmClient {
  const answer = (credentials: readonly CvmCredential[]): CvmResult => {
    seen.push([...credentials]);
    const get = (type: number) => credentials.find((c) => c.type === type)?.value;
    const account = get(Cred.ACCOUNT)?.toString();
    if (account === 'broken') return { code: 4, facts: [], module: 'fake' };
    let ok = account === 'joe' && get(Cred.PASSWORD)?.toString() === 'secret';
    const challenge = get(Cred.CHALLENGE);
    if (account === 'joe' && challenge !== undefined) {
      ok = createHmac('md5', 'secret').update(challenge).digest().equals(get(Cred.RESPONSE)!);
    }
    if (!ok) return { code: 100, facts: [], module: 'fake' };
    return { code: 0, facts: [], module: 'fake', account: { ...OK_FACTS, domain: 'example.org', sysUsername: 'joe' } };
  };
  return {
    request: async (c) => answer(c),
    lookup: async () => answer([]),
    authenticate: async (account, domain, password) => {
      const c: CvmCredential[] = [{ type: Cred.ACCOUNT, value: Buffer.from(account) }];
      if (domain) c.push({ type: Cred.DOMAIN, value: Buffer.from(domain) });
      c.push({ type: Cred.PASSWORD, value: Buffer.from(password) });
      return answer(c);
    },
  };
}

function server(env: Record<string, string> = { CVM_SASL_PLAIN: 'pw', CVM_SASL_CRAM_MD5: 'cram' }) {
  const seen: CvmCredential[][] = [];
  const modules: string[] = [];
  const sasl = new SaslServer({
    env,
    domain: 'mx.example.com',
    hostname: 'mx.example.com',
    createClient: (cvm) => {
      modules.push(cvm);
      return fakeClient(seen);
    },
  });
  return { sasl, seen, modules };
}

const kind = (s: SaslStep) => (s.kind === 'failure' ? `${s.reply.code} ${s.reply.text}` : s.kind === 'challenge' ? `challenge ${s.data}` : 'success');

t.test('mechanisms from the environment, every one of them offered', async (t) => {
  t.same(saslMechanismsFromEnv({}), []);
  t.same(saslMechanismsFromEnv({ CVM_SASL_PLAIN: '' }), [], 'empty counts as unset');
  t.same(saslMechanismsFromEnv({ CVM_SASL_PLAIN: 'a' }).map((m) => m.name), ['LOGIN', 'PLAIN']);
  t.same(saslMechanismsFromEnv({ CVM_SASL_LOGIN: 'b' }), [{ name: 'LOGIN', cvm: 'b' }]);
  t.same(saslMechanismsFromEnv({ CVM_SASL_PLAIN: 'a', CVM_SASL_LOGIN: 'b' }).map((m) => m.cvm), ['a', 'a'], 'LOGIN only legacy');
  t.same(saslMechanismsFromEnv({ CVM_SASL_PLAIN: 'a', CVM_SASL_CRAM_MD5: 'c' }), [
    { name: 'LOGIN', cvm: 'a' },
    { name: 'PLAIN', cvm: 'a' },
    { name: 'CRAM-MD5', cvm: 'c' },
  ], 'PLAIN is kept with CRAM-MD5 (the C list bug is fixed)');
  t.same(server().sasl.mechanisms, ['LOGIN', 'PLAIN', 'CRAM-MD5']);
});

t.test('AUTH argument splitting', async (t) => {
  t.same(parseAuthArgument('PLAIN'), { mechanism: 'PLAIN' });
  t.same(parseAuthArgument('PLAIN   abc='), { mechanism: 'PLAIN', initialResponse: 'abc=' });
  t.same(parseAuthArgument('PLAIN '), { mechanism: 'PLAIN' });
});

t.test('strict base64', async (t) => {
  t.same(decodeBase64(''), Buffer.alloc(0));
  t.same(decodeBase64('YWI='), Buffer.from('ab'));
  for (const bad of ['=', '!!!', 'YWI', 'YW=I', 'Y WI=', 'YQ===']) t.equal(decodeBase64(bad), undefined, bad);
  t.equal(encodeBase64('Username:'), 'VXNlcm5hbWU6');
});

t.test('PLAIN', async (t) => {
  const { sasl, seen, modules } = server();
  const ok = await sasl.start('plain', b64('\0joe\0secret'));
  t.equal(ok.kind, 'success');
  if (ok.kind === 'success') {
    t.equal(ok.log, 'SASL AUTH PLAIN username=joe sys_username=joe domain=example.org');
    t.equal(ok.account.directory, '/home/joe');
    t.same(ok.reply, { code: 235, text: 'Authentication succeeded.' });
    t.notMatch(ok.log, /secret/);
  }
  t.same(modules, ['pw']);
  t.same(seen[0]!.map((c) => [c.type, c.value.toString()]), [[1, 'joe'], [2, 'mx.example.com'], [3, 'secret']]);
  t.equal(kind(await sasl.start('PLAIN', b64('admin\0joe\0wrong'))), '501 Authentication failed.');
  t.equal(kind(await sasl.start('PLAIN')), 'challenge ', 'empty challenge without initial response');
  t.ok(sasl.inProgress);
  t.equal(kind(await sasl.step(b64('\0joe\0secret'))), 'success');
  t.notOk(sasl.inProgress);
  for (const bad of ['nonul', 'a\0b', '\0joe\0secret\0extra', '\0\0secret', '\0joe\0']) {
    t.equal(kind(await sasl.start('PLAIN', b64(bad))), '501 Could not decode the response.', JSON.stringify(bad));
  }
  const eq = await sasl.start('PLAIN', '=');
  t.equal(kind(eq), '501 Could not decode the response.', '= is an empty response');
  t.equal(eq.kind === 'failure' && eq.log, 'SASL AUTH PLAIN failed: bad response');
  t.equal(kind(await sasl.start('PLAIN', '!!!')), '501 Could not decode the response.');
  t.equal(kind(await sasl.start('PLAIN', b64('\0broken\0x'))), '451 Internal error.');
  t.equal(kind(await sasl.start('PLAIN', b64(`\0${'j'.repeat(256)}\0x`))), '501 Authentication failed.', 'too long for a CVM');
  t.equal(seen.length, 4, 'the over-long one never reached the CVM');
});

t.test('LOGIN', async (t) => {
  const { sasl } = server({ CVM_SASL_LOGIN: 'pw' });
  t.same(sasl.mechanisms, ['LOGIN']);
  t.equal(kind(await sasl.start('LOGIN')), 'challenge VXNlcm5hbWU6');
  t.equal(kind(await sasl.step(b64('joe'))), 'challenge UGFzc3dvcmQ6');
  const ok = await sasl.step(b64('secret'));
  t.equal(ok.kind === 'success' && ok.log, 'SASL AUTH LOGIN username=joe sys_username=joe domain=example.org');
  t.equal(kind(await sasl.start('LOGIN', b64('joe'))), 'challenge UGFzc3dvcmQ6', 'initial response is the user name');
  t.equal(kind(await sasl.step(b64('wrong'))), '501 Authentication failed.');
  await sasl.start('LOGIN');
  const aborted = await sasl.step('*');
  t.equal(kind(aborted), '501 Authentication failed.');
  t.equal(aborted.kind === 'failure' && aborted.log, 'SASL AUTH LOGIN failed: aborted');
  await sasl.start('LOGIN');
  t.equal(kind(await sasl.step('')), '501 Authentication failed.', 'empty line aborts');
  await sasl.start('LOGIN');
  t.equal(kind(await sasl.step('!!')), '501 Could not decode the response.');
  t.equal(kind(await sasl.start('LOGIN', '=')), '501 Could not decode the response.', 'empty user name');
  await sasl.start('LOGIN');
  t.equal(kind(await sasl.step(null)), '535 End of file reached.');
  t.equal(kind(await sasl.step('x')), '503 No authentication in progress.');
  t.equal(kind(await sasl.start('PLAIN', b64('\0joe\0secret'))), '504 Unrecognized authentication mechanism.');
});

t.test('CRAM-MD5', async (t) => {
  const { sasl, seen, modules } = server();
  const challenge = await sasl.start('CRAM-MD5');
  t.equal(challenge.kind, 'challenge');
  const text = Buffer.from(challenge.kind === 'challenge' ? challenge.data : '', 'base64').toString();
  t.match(text, new RegExp(`^<${process.pid}\\.\\d+\\.\\d+@mx\\.example\\.com>$`));
  const digest = createHmac('md5', 'secret').update(text).digest('hex');
  const ok = await sasl.step(b64(`joe ${digest}`));
  t.equal(ok.kind, 'success');
  t.same(modules, ['cram']);
  t.same(seen[0]!.map((c) => c.type), [Cred.ACCOUNT, Cred.DOMAIN, Cred.CHALLENGE, Cred.RESPONSE, Cred.RESPONSE_TYPE]);
  t.equal(seen[0]![4]!.value.toString(), 'CRAM-MD5');
  await sasl.start('CRAM-MD5');
  t.equal(kind(await sasl.step(b64(`joe ${digest}`))), '501 Authentication failed.', 'a new challenge each time');
  await sasl.start('CRAM-MD5');
  t.equal(kind(await sasl.step(b64('joe 1234'))), '501 Could not decode the response.');
  t.equal(kind(await sasl.start('CRAM-MD5', b64('joe'))), '535 Initial response not allowed.');
  const other = new SaslServer({ env: {}, mechanisms: [{ name: 'CRAM-MD5', cvm: 'x' }], createClient: () => fakeClient([]) });
  const c2 = await other.start('CRAM-MD5');
  t.match(c2.kind === 'challenge' && Buffer.from(c2.data, 'base64').toString(), /@unknown>$/);
});

t.test('the default client runs in authentication mode', async (t) => {
  t.same(authenticationEnv({ CVM_LOOKUP_SECRET: '', PATH: '/bin' }), { PATH: '/bin' });
  const sasl = new SaslServer({ env: { CVM_SASL_PLAIN: '/nonexistent/cvm-module', CVM_LOOKUP_SECRET: '' } });
  const r = await sasl.start('PLAIN', b64('\0joe\0secret'));
  t.equal(kind(r), '451 Internal error.');
  t.equal(r.kind === 'failure' && r.temporary, true);
});
