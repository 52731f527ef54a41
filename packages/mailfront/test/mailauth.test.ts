import t from 'tap';
import { CLIENT, dialog } from './helpers/dialog.js';
import { AUTHSERV_ID, message, queue, session, signed, sealed, startWorld, type World } from './helpers/mailauth-world.js';
import { qmqpPackage, qmqpSession, qmtpPackage, qmtpSession } from './qmtp-fixtures.js';

let world: World;
t.before(async () => {
  world = await startWorld();
});
t.teardown(() => world.dns.stop());

const env = (dir: string, vars: Record<string, string> = {}) => ({
  ...CLIENT,
  QUEUEDIR: dir,
  QUEUEDIR_NOSYNC: '1',
  DNSCACHEIP: world.dns.address,
  MAILAUTH_AUTHSERV_ID: AUTHSERV_ID,
  ...vars,
});

/** Runs one SMTP session through `mailauth accept`; returns the replies and the queued message (if any). */
async function deliver(t: { teardown(fn: () => void): void }, sender: string, text: string, vars: Record<string, string> = {}, helo?: string) {
  const q = queue(t);
  const r = await dialog(['queuedir', 'mailauth', 'accept'], session(sender, text, helo), env(q.dir, vars));
  const [queued] = q.messages();
  return { ...r, queued: queued ?? '', header: (queued ?? '').split('\n\n')[0]! };
}

/** The Authentication-Results field, unfolded. */
const authResults = (header: string) => /^Authentication-Results: ([^\n]*(?:\n[ \t][^\n]*)*)/m.exec(header)?.[1]?.replace(/\n(?=[ \t])/g, '') ?? '';

t.test('SPF pass, DKIM pass and DMARC pass: one Authentication-Results and a Received-SPF on top', async (t) => {
  const text = await signed(message('a@good.test'), 'good.test', 's1', world.goodKey);
  const r = await deliver(t, 'bounce@good.test', text);
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.match(r.queued, /^Authentication-Results: mx\.example\.com;\n\tspf=pass /);
  const ar = authResults(r.header);
  t.match(ar, /spf=pass \(mx\.example\.com: domain of bounce@good\.test designates 198\.51\.100\.7 as permitted sender\) smtp\.mailfrom=good\.test;/);
  t.match(ar, /dkim=pass header\.i=@good\.test header\.s=s1 header\.a=rsa-sha256/);
  t.match(ar, /dmarc=pass .*header\.from=good\.test/);
  t.match(ar, /arc=none/);
  t.match(r.header.replace(/\n(?=[ \t])/g, ''), /\nReceived-SPF: pass \(mx\.example\.com: domain of bounce@good\.test designates 198\.51\.100\.7 as permitted sender\) client-ip=198\.51\.100\.7; envelope-from="bounce@good\.test"; helo=client\.example\.net;\n/);
  t.ok(r.header.indexOf('Authentication-Results') < r.header.indexOf('Received-SPF'), 'Authentication-Results first');
  t.ok(r.queued.endsWith('\n\nHello.\n'), 'the body is unchanged, in LF form');
  t.ok(r.log.some((l) => l === 'mailauth: spf=pass dkim=pass arc=none dmarc=pass (p=reject)'));
  for (const line of r.header.split('\n')) t.ok(line.length <= 160, `short line: ${line.slice(0, 40)}`);
});

t.test('DKIM fail after a body change, and a missing key', async (t) => {
  const text = await signed(message('a@good.test'), 'good.test', 's1', world.goodKey);
  const changed = await deliver(t, 'bounce@good.test', text.replace('Hello.', 'Hello!'));
  t.match(authResults(changed.header), /dkim=neutral \(body hash did not verify\) header\.i=@good\.test/);
  const noKey = await deliver(t, 'a@nokey.test', await signed(message('a@nokey.test'), 'nokey.test', 'gone', world.goodKey));
  t.match(authResults(noKey.header), /dkim=neutral \(no key\) header\.i=@nokey\.test header\.s=gone/);
  const unsigned = await deliver(t, 'a@good.test', message('a@good.test'));
  t.match(authResults(unsigned.header), /;\tdkim=none \(message not signed\);/);
});

t.test('SPF fail, softfail and temperror are recorded; nothing refused by default', async (t) => {
  const fail = await deliver(t, 'x@bad.test', message('x@bad.test'));
  t.match(authResults(fail.header), /spf=fail \(mx\.example\.com: domain of x@bad\.test does not designate 198\.51\.100\.7 as permitted sender\) smtp\.mailfrom=bad\.test/);
  t.match(fail.header, /^Received-SPF: fail /m);
  const soft = await deliver(t, 'x@soft.test', message('x@soft.test'));
  t.match(authResults(soft.header), /spf=softfail /);
  const temp = await deliver(t, 'x@broken.test', message('x@broken.test'));
  t.match(authResults(temp.header), /spf=temperror /);
  t.match(temp.header, /^Received-SPF: temperror /m);
  t.equal(temp.replies.at(-2), '250 2.6.0 Message accepted.');
});

t.test('the null sender: the HELO name is checked', async (t) => {
  const r = await deliver(t, '', message('a@good.test'), {}, 'helo.test');
  t.match(authResults(r.header), /spf=pass .* smtp\.helo=helo\.test;/);
  t.notMatch(r.header, /envelope-from=/);
});

t.test('MAILAUTH_SPF_REJECT refuses SPF fail at MAIL with 550 5.7.1; softfail still passes', async (t) => {
  const fail = await deliver(t, 'x@bad.test', message('x@bad.test'), { MAILAUTH_SPF_REJECT: '1' });
  const mailReply = fail.replies.findIndex((l) => l.startsWith('550 '));
  t.equal(fail.replies[mailReply], '550 5.7.1 SPF: bad.test does not allow 198.51.100.7 to send its mail');
  t.equal(fail.replies[mailReply + 1], '503 5.5.1 You must send MAIL FROM: first', 'RCPT after the refused MAIL');
  t.equal(fail.queued, '');
  const soft = await deliver(t, 'x@soft.test', message('x@soft.test'), { MAILAUTH_SPF_REJECT: '1' });
  t.equal(soft.replies.at(-2), '250 2.6.0 Message accepted.');
  const off = await deliver(t, 'x@bad.test', message('x@bad.test'), { MAILAUTH_SPF_REJECT: '' });
  t.equal(off.replies.at(-2), '250 2.6.0 Message accepted.', 'empty is off (a rules cdb can unset it)');
});

t.test('MAILAUTH_TEMPFAIL answers 451 4.4.3 on a temporary DNS error', async (t) => {
  const r = await deliver(t, 'x@broken.test', message('x@broken.test'), { MAILAUTH_TEMPFAIL: '1' });
  t.ok(r.replies.includes('451 4.4.3 SPF: temporary DNS error, try again later'));
  t.equal(r.queued, '');
});

t.test('MAILAUTH_TEMPFAIL answers 451 4.4.3 at the end of data when a DKIM key or the DMARC record cannot be fetched', async (t) => {
  const keyFails = await signed(message('a@good.test'), 'good.test', 's2', world.goodKey);
  const recorded = await deliver(t, 'x@good.test', keyFails);
  t.match(authResults(recorded.header), /dkim=temperror /);
  const deferred = await deliver(t, 'x@good.test', keyFails, { MAILAUTH_TEMPFAIL: '1' });
  t.equal(deferred.replies.at(-2), '451 4.4.3 DKIM: temporary DNS error, try again later');
  const dmarc = await deliver(t, 'x@dtemp.test', message('a@dtemp.test'), { MAILAUTH_TEMPFAIL: '1' });
  t.equal(dmarc.replies.at(-2), '451 4.4.3 DMARC: temporary DNS error, try again later');
  t.equal(dmarc.queued, '');
});

t.test('DMARC fail with p=reject: recorded, or refused with 550 5.7.1 under MAILAUTH_DMARC_ENFORCE', async (t) => {
  // Sent from the client, which bad.test's SPF does not allow, and unsigned.
  const recorded = await deliver(t, 'x@bad.test', message('boss@bad.test'));
  t.match(authResults(recorded.header), /dmarc=fail .*header\.from=bad\.test/);
  const refused = await deliver(t, 'x@bad.test', message('boss@bad.test'), { MAILAUTH_DMARC_ENFORCE: '1' });
  t.equal(refused.replies.at(-2), '550 5.7.1 DMARC: the policy of bad.test rejects this message');
  t.equal(refused.queued, '');
  t.ok(refused.log.some((l) => l.startsWith('mailauth: spf=fail dkim=none arc=none dmarc=fail (p=reject): 550 5.7.1')));
  // The From domain good.test, sent by a client good.test allows: DMARC passes, the message goes.
  const passed = await deliver(t, 'x@good.test', message('boss@good.test'), { MAILAUTH_DMARC_ENFORCE: '1' });
  t.equal(passed.replies.at(-2), '250 2.6.0 Message accepted.');
});

t.test('DMARC p=quarantine is marked under MAILAUTH_DMARC_ENFORCE', async (t) => {
  const r = await deliver(t, 'x@quar.test', message('x@quar.test'), { MAILAUTH_DMARC_ENFORCE: '1' });
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.match(r.header, /^X-Mailfront-Quarantine: DMARC policy of quar\.test$/m);
  const off = await deliver(t, 'x@quar.test', message('x@quar.test'));
  t.notMatch(off.header, /X-Mailfront-Quarantine/);
});

t.test('more than one From field: refused under MAILAUTH_DMARC_ENFORCE, permerror otherwise', async (t) => {
  const text = message('a@good.test', 'Hi.\n', 'From: <ceo@bad.test>\n');
  const r = await deliver(t, 'x@good.test', text);
  t.match(authResults(r.header), /dmarc=permerror reason="more than one From field"/);
  const enforced = await deliver(t, 'x@good.test', text, { MAILAUTH_DMARC_ENFORCE: '1' });
  t.equal(enforced.replies.at(-2), '550 5.7.1 DMARC: the From field must name exactly one author domain');
});

t.test('ARC: a sealed message passes, a broken seal fails', async (t) => {
  const text = await sealed(message('a@soft.test'), world.arcKey, 'arc.test; spf=pass smtp.mailfrom=soft.test');
  const good = await deliver(t, 'x@soft.test', text);
  t.match(authResults(good.header), /;\tarc=pass \(i=1 spf=pass\);/);
  const broken = await deliver(t, 'x@soft.test', text.replace('Subject: test', 'Subject: changed'));
  t.match(authResults(broken.header), /arc=fail /);
});

t.test('forged Authentication-Results with our authserv-id are removed; others stay', async (t) => {
  const forged = [
    'Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=paypal.com',
    'authentication-results:  (comment) MX.Example.Com;\n  dkim=pass header.d=paypal.com',
    'Authentication-Results: "mx.example.com"; dmarc=pass',
    'Authentication-Results: mx.example.com.evil.test; dmarc=pass',
    'Authentication-Results: other.example; dkim=pass',
  ].join('\n');
  const r = await deliver(t, 'x@soft.test', message('x@soft.test', 'Body.\n', forged + '\n'));
  const kept = r.header.split('\n').filter((l) => /^authentication-results:/i.test(l));
  t.same(kept.slice(1), ['Authentication-Results: mx.example.com.evil.test; dmarc=pass', 'Authentication-Results: other.example; dkim=pass']);
  t.match(kept[0], /^Authentication-Results: mx\.example\.com;$/);
  t.ok(r.log.includes('mailauth: removed 3 Authentication-Results field(s) claiming mx.example.com'));
  t.notMatch(r.queued, /paypal/);
});

t.test('authenticated and RELAYCLIENT clients are not checked', async (t) => {
  const relay = await deliver(t, 'x@bad.test', message('x@bad.test', 'Hi.\n', 'Authentication-Results: mx.example.com; spf=pass\n'), {
    RELAYCLIENT: '',
    MAILAUTH_SPF_REJECT: '1',
  });
  t.equal(relay.replies.at(-2), '250 2.6.0 Message accepted.');
  t.notMatch(relay.queued, /Authentication-Results|Received-SPF/, 'no results, and the forged field removed');
  t.same(world.dns.queries.filter((q) => q.name === 'bad.test').length > 0, true);
});

t.test('an authenticated client gets auth=pass and no checks', async (t) => {
  const { writeFileSync } = await import('node:fs');
  const { scratchDir } = await import('@mailfront/testkit');
  // Stands in for AUTH: a plugin that marks the session authenticated at HELO.
  const plugin = `${scratchDir(t)}/fake-auth.mjs`;
  writeFileSync(plugin, "export default { name: 'fake-auth', create: ({ session }) => ({ helo() { session.auth = { user: 'joe user' }; } }) };\n");
  const q = queue(t);
  const r = await dialog(['queuedir', plugin, 'mailauth', 'accept'], session('x@bad.test', message('x@bad.test')), env(q.dir, { MAILAUTH_SPF_REJECT: '1' }));
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.match(q.messages()[0], /^Authentication-Results: mx\.example\.com;\n\tauth=pass smtp\.auth="joe user"\nFrom: /);
});

t.test('the authserv-id: MAILAUTH_AUTHSERV_ID, else control/me, else TCPLOCALHOST; a bad one is a configuration error', async (t) => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { scratchDir } = await import('@mailfront/testkit');
  const home = scratchDir(t);
  mkdirSync(`${home}/control`);
  writeFileSync(`${home}/control/me`, 'me.example.net\n');
  const fromMe = await deliver(t, 'x@soft.test', message('x@soft.test'), { MAILAUTH_AUTHSERV_ID: '', QMAILHOME: home });
  t.match(fromMe.header, /^Authentication-Results: me\.example\.net;/);
  const fromLocal = await deliver(t, 'x@soft.test', message('x@soft.test'), { MAILAUTH_AUTHSERV_ID: '', QMAILHOME: `${home}/none` });
  t.match(fromLocal.header, /^Authentication-Results: mx\.example\.com;/);
  const bad = await deliver(t, 'x@soft.test', message('x@soft.test'), { MAILAUTH_AUTHSERV_ID: 'two words' });
  t.same(bad.replies, ['451 4.3.0 Mail server configuration error.']);
  t.ok(bad.log.some((l) => l.includes('MAILAUTH_AUTHSERV_ID="two words" is not a host name')));
});

t.test('a header section over the limit is refused with 552 5.3.4', async (t) => {
  const big = 'X-Filler: ' + 'x'.repeat(900) + '\n';
  const r = await deliver(t, 'x@soft.test', message('x@soft.test', 'Hi.\n', big.repeat(300)));
  t.equal(r.replies.at(-2), '552 5.3.4 Message header section exceeds 262144 bytes');
  t.equal(r.queued, '');
});

t.test('signatures beyond the eighth are not verified', async (t) => {
  let text = message('a@good.test');
  for (let i = 0; i < 10; i++) text = await signed(text, 'good.test', 's1', world.goodKey);
  const r = await deliver(t, 'x@good.test', text);
  t.equal((authResults(r.header).match(/dkim=pass/g) ?? []).length, 8);
});

t.test('QMTP and QMQP: the message comes before the envelope; the same checks and headers', async (t) => {
  const text = (await signed(message('a@good.test'), 'good.test', 's1', world.goodKey)).replace(/\r\n/g, '\n');
  for (const [name, session, body] of [
    ['QMTP', qmtpSession, (b: string) => qmtpPackage(`\n${b}`, 'x@good.test', ['b@example.org'])],
    ['QMQP', qmqpSession, (b: string) => qmqpPackage(b, 'x@good.test', ['b@example.org'])],
  ] as const) {
    const q = queue(t);
    const r = await session(['queuedir', 'mailauth', 'accept'], body(text), env(q.dir));
    const [queued] = q.messages();
    t.match(authResults(queued ?? ''), /spf=pass .*;\tdkim=pass .*;\tarc=none;\tdmarc=pass /, name);
    t.ok(r.log.includes('mailauth: spf=pass dkim=pass arc=none dmarc=pass (p=reject)'), name);
  }
});

t.test('an unusable DNSCACHEIP is a configuration error', async (t) => {
  const r = await deliver(t, 'x@good.test', message('a@good.test'), { DNSCACHEIP: 'dnscache' });
  t.same(r.replies, ['451 4.3.0 Mail server configuration error.']);
});

t.test('a name server that does not answer: temperror within the query timeout', async (t) => {
  const r = await deliver(t, 'x@good.test', message('a@good.test'), { DNSCACHEIP: '127.0.0.1:9', MAILAUTH_DNS_TIMEOUT: '200ms' });
  t.match(authResults(r.header), /spf=temperror /);
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
});
