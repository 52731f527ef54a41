import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, startDnsServer, type TestDnsServer } from '@mailfront/testkit';
import { CLIENT, dialog } from './helpers/dialog.js';

const MAIL = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n';

let dns: TestDnsServer;
t.before(async () => {
  dns = await startDnsServer({
    '7.100.51.198.bl.test': { a: ['127.0.0.2'], txt: ['Listed: see https://bl.test/?ip=198.51.100.7\u0007'] },
    '7.100.51.198.aonly.test': { a: ['127.0.0.4'] },
    '7.100.51.198.broken.test': { a: ['127.255.255.254'] },
    '7.100.51.198.slow.test': { fail: 'drop' },
    '7.100.51.198.allow.test': { a: ['127.0.0.2'] },
  });
});
t.teardown(() => dns.stop());

const env = (vars: Record<string, string>) => ({ ...CLIENT, DNSCACHEIP: `${dns.host}:${dns.port}`, ...vars });

t.test('a listed client gets 451 Blocked at MAIL, with the sanitised TXT reason', async (t) => {
  const r = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'clean.test,bl.test' }));
  t.equal(r.replies[1], '451 Blocked: Listed: see https://bl.test/?ip=198.51.100.7?');
  t.equal(r.replies[2], '503 5.5.1 You must send MAIL FROM: first');
});

t.test('an A-only listing blocks with a default reason; a clean client passes', async (t) => {
  t.equal((await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'aonly.test' }))).replies[1], '451 Blocked: listed by aonly.test');
  t.equal((await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'clean.test' }))).replies[1], "250 Sender='a@example.com'.");
});

t.test('RBL_WHITELISTS wins over the block lists', async (t) => {
  const r = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'bl.test', RBL_WHITELISTS: 'allow.test' }));
  t.equal(r.replies[1], "250 Sender='a@example.com'.");
});

t.test('an error answer from a list is logged and is not a listing', async (t) => {
  const r = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'broken.test' }));
  t.equal(r.replies[1], "250 Sender='a@example.com'.");
  t.ok(r.log.some((l) => /^Warning: rbl: broken\.test: /.test(l)));
});

t.test('a DNS failure fails open, or closed with RBL_FAILCLOSED', async (t) => {
  const vars = { RBL_BLACKLISTS: 'slow.test', DNSCACHEIP: '127.0.0.1:9' };
  const open = await dialog(['echo', 'rbl', 'accept'], MAIL, { ...CLIENT, ...vars });
  t.equal(open.replies[1], "250 Sender='a@example.com'.");
  const closed = await dialog(['echo', 'rbl', 'accept'], MAIL, { ...CLIENT, ...vars, RBL_FAILCLOSED: '1' });
  t.equal(closed.replies[1], '451 4.3.0 DNS error doing RBL lookup');
});

t.test('skipped without lists, without or with a bad TCPREMOTEIP; RBL_DEBUG explains', async (t) => {
  const none = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_DEBUG: '1' }));
  t.ok(none.log.includes('{rbl: No blacklists, skipping}'));
  const noIp = await dialog(['echo', 'rbl', 'accept'], MAIL, { TCPLOCALHOST: 'mx', RBL_BLACKLISTS: 'bl.test', RBL_DEBUG: '1' });
  t.ok(noIp.log.includes('{rbl: $TCPREMOTEIP is unset, skipping RBL tests}'));
  t.equal(noIp.replies[1], "250 Sender='a@example.com'.");
  const badIp = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'bl.test', TCPREMOTEIP: 'not-an-ip' }));
  t.ok(badIp.log.includes("Warning: {rbl: Cannot parse IP 'not-an-ip'}"));
  const debug = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'bl.test,clean.test', RBL_DEBUG: '1' }));
  t.ok(debug.log.some((l) => l.startsWith('rbl: bl.test: listed Listed:')));
  t.ok(debug.log.includes('rbl: clean.test: not-listed'));
  const badServer = await dialog(['echo', 'rbl', 'accept'], MAIL, env({ RBL_BLACKLISTS: 'bl.test', DNSCACHEIP: 'nonsense' }));
  t.same(badServer.replies, ['451 4.3.0 Mail server configuration error.']);
});

t.test('capture mode keeps a listed client\'s message in RBL_QUEUEDIR and refuses it at the end', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const r = await dialog(
    ['echo', 'rbl', 'accept'],
    'MAIL FROM:<spam@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nbuy now\r\n.\r\nRSET\r\nQUIT\r\n',
    env({ RBL_BLACKLISTS: 'bl.test', RBL_QUEUEDIR: dir, RBL_QUEUEDIR_NOSYNC: '1' }),
  );
  t.same(r.replies.slice(1, 5), [
    "250 Sender='spam@example.com'.",
    "250 Recipient='b@example.org'.",
    '354 End your message with a period on a line by itself.',
    '451 Blocked: Listed: see https://bl.test/?ip=198.51.100.7?',
  ]);
  const [name] = readdirSync(join(dir, 'new'));
  t.equal(readFileSync(join(dir, 'new', name!), 'latin1'), 'spam@example.com\0b@example.org\0\0buy now\n');
});
