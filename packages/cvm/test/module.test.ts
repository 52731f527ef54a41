import t from 'tap';
import { answerRequest, CvmRequest, logAnswer, LOOKUP_ONLY, NO_SECRET_SENT, WRONG_SECRET, type CvmModule } from '../src/module.js';
import { createLogger } from '@mailfront/core';
import { collector } from '@mailfront/testkit';
import { accountEnvironment, accountFromFacts, factsFromAccount, parseUnsigned } from '../src/facts.js';
import { Cred } from '../src/constants.js';
import { fakeModule, hex, joe } from './helpers/fake-module.js';

const v2 = (account: string, domain?: string, secret?: string) => {
  const items = [[1, account], ...(domain !== undefined ? [[2, domain]] : []), ...(secret !== undefined ? [[4, secret]] : [])] as Array<[number, string]>;
  return Buffer.concat([hex('0200'), ...items.map(([type, v]) => Buffer.concat([Buffer.from([type, v.length]), Buffer.from(v)])), hex('00')]);
};

t.test('lookup mode, secret states and log lines', async (t) => {
  const open = { lookupSecret: '' };
  const ok = await answerRequest(fakeModule, v2('joe', 'example.org'), open);
  t.equal(ok.code, 0);
  t.equal(ok.logLine, '+ joe@example.org');
  t.same(accountFromFacts(decodeFacts(ok.reply))?.directory, '/home/joe');
  const out = await answerRequest(fakeModule, v2('joe', 'unknown.dom'), open);
  t.same(out.reply, hex('6400 100131 00'), 'out of scope comes with the failure');
  t.equal(out.logLine, '- joe@unknown.dom');
  t.same((await answerRequest(fakeModule, v2('bob', 'example.org'), open)).reply, hex('6400 100130 00'));
  const broken = await answerRequest(fakeModule, v2('broken'), open);
  t.same(broken.reply, hex('040000'));
  t.equal(broken.logLine, '? broken');
  const secret = { lookupSecret: 'secret' };
  const missing = await answerRequest(fakeModule, v2('joe', 'example.org'), secret);
  t.same(missing.reply, hex('070000'), 'secret missing');
  t.equal(missing.reason, NO_SECRET_SENT, 'and the log is told why');
  const wrong = await answerRequest(fakeModule, v2('nobody', 'unknown.dom', 'wrong'), secret);
  t.same(wrong.reply, hex('070000'), 'checked before the lookup');
  t.equal(wrong.reason, WRONG_SECRET);
  t.notMatch(wrong.reason, /wrong/, 'the secret sent is not in the reason');
  const right = await answerRequest(fakeModule, v2('joe', 'example.org', 'secret'), secret);
  t.equal(right.code, 0);
  t.equal(right.reason, undefined);
  const bad = await answerRequest(fakeModule, hex('0200 0103 6a'), open);
  t.same(bad.reply, hex('020000'));
  t.equal(bad.logLine, undefined);
  t.same((await answerRequest(fakeModule, hex(''), open)).reply, hex('0200'));
});

t.test('authentication mode: authenticate, or 6 for a lookup-only module', async (t) => {
  const auth = { lookupSecret: undefined };
  const lookupOnly = await answerRequest(fakeModule, v2('joe', 'example.org'), auth);
  t.equal(lookupOnly.code, 6);
  t.equal(lookupOnly.reason, LOOKUP_ONLY);
  t.equal((await answerRequest(fakeModule, v2('x', 'unknown.dom'), auth)).code, 100);
  const withPassword: CvmModule = {
    lookup: fakeModule.lookup,
    authenticate: (request) => (request.text(Cred.PASSWORD) === 'pw' ? 0 : 100),
  };
  const good = Buffer.concat([hex('0200 0103 6a6f65 0302 7077 00')]);
  t.equal((await answerRequest(withPassword, good, auth)).code, 0);
  t.equal((await answerRequest(withPassword, v2('joe'), auth)).code, 100);
  const v1 = await answerRequest(withPassword, hex('016a6f6500 00 707700 00'), auth);
  t.equal(v1.code, 0, 'a v1 credential is the password in authentication mode');
  t.equal(v1.reply[v1.reply.length - 2], 0);
  const throwing: CvmModule = {
    lookup: () => {
      throw new Error('bug');
    },
  };
  const failed = await answerRequest(throwing, v2('joe'), { lookupSecret: '' });
  t.same(failed.reply, hex('040000'), 'a module that throws answers 4');
  t.equal(failed.failure?.message, 'bug');
  const throwsText: CvmModule = {
    lookup: () => {
      throw 'text';
    },
  };
  t.equal((await answerRequest(throwsText, v2('joe'), { lookupSecret: '' })).failure?.message, 'text');
  const weird: CvmModule = { lookup: () => ({ code: 0 }) };
  t.equal((await answerRequest(weird, v2('joe'), { lookupSecret: '' })).code, 1, 'success without an account is a module bug');
});

t.test('requests: empty credentials are absent; the domain can be replaced', async (t) => {
  const r = new CvmRequest([undefined, Buffer.from('joe'), Buffer.alloc(0)]);
  t.equal(r.domain, undefined);
  r.domain = 'x.test';
  t.equal(r.domain, 'x.test');
  r.domain = undefined;
  t.equal(r.text(Cred.DOMAIN), undefined);
  t.equal(new CvmRequest([]).account, '');
});

t.test('facts: typed account, env export, numbers', async (t) => {
  const full = {
    ...joe,
    realName: 'Joe',
    shell: '/bin/sh',
    groupName: 'users',
    sysUsername: 'joe',
    sysDirectory: '/home/joe',
    domain: 'example.org',
    mailbox: 'Maildir/',
    suppGroupIds: [5, 7],
  };
  const facts = factsFromAccount(full);
  t.same(facts.slice(0, 2).map((f) => f.type), [8, 8], 'supplementary groups first, so no fact 8 is last');
  t.same(accountFromFacts(facts), full);
  t.same(accountEnvironment(full), {
    USER: 'joe',
    UID: '2002',
    GID: '2002',
    HOME: '/home/joe',
    NAME: 'Joe',
    SHELL: '/bin/sh',
    GROUP: 'users',
    DOMAIN: 'example.org',
    MAIL: 'Maildir/',
    MAILBOX: 'Maildir/',
    MAILDIR: 'Maildir/',
    GIDS: '5,7',
  });
  t.same(accountEnvironment(joe), { USER: 'joe', UID: '2002', GID: '2002', HOME: '/home/joe' });
  t.equal(parseUnsigned(Buffer.from('')), 0);
  t.equal(parseUnsigned(Buffer.from('12x')), undefined);
  t.equal(parseUnsigned(Buffer.from('99999999999999999999')), undefined);
  t.equal(accountFromFacts(facts.filter((f) => f.type !== 5)), undefined, 'DIRECTORY is required');
  t.equal(accountFromFacts([...facts.filter((f) => f.type !== 2), { type: 2, value: Buffer.from('x') }]), undefined);
  t.same(accountFromFacts([...factsFromAccount(joe), { type: 8, value: Buffer.from('bad') }])?.suppGroupIds, []);
});

function decodeFacts(reply: Buffer) {
  const facts = [];
  for (let i = 2; reply[i] !== 0; i += 2 + reply[i + 1]!) facts.push({ type: reply[i]!, value: reply.subarray(i + 2, i + 2 + reply[i + 1]!) });
  return facts;
}

t.test('logAnswer: the reason, the failure, the + / - / ? line', async (t) => {
  const out = collector();
  const log = createLogger('m', out.stream, 1);
  logAnswer(log, await answerRequest(fakeModule, v2('joe', 'example.org'), { lookupSecret: 'secret' }));
  logAnswer(log, await answerRequest(fakeModule, v2('joe', 'example.org'), { lookupSecret: '' }), false);
  logAnswer(log, await answerRequest(fakeModule, hex('0200 0103 6a'), { lookupSecret: 'secret' }));
  const throwing: CvmModule = {
    lookup: () => {
      throw new Error('bug');
    },
  };
  logAnswer(log, await answerRequest(throwing, v2('x'), { lookupSecret: '' }));
  t.equal(
    out.text(),
    `m[1]: Warning: answered 7 for joe@example.org: ${NO_SECRET_SENT}\n` +
      'm[1]: ? joe@example.org\n' +
      'm[1]: Warning: module failed: bug\n' +
      'm[1]: ? x\n',
  );
});

