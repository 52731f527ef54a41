// The rbl plugin against Debian's mailfront, both asking the same DNS
// server (on 127.53.0.1:53: djbdns clients, as the C plugin is, use port 53
// only). Where the lists are TXT lists, as in 2.12's day, the answers agree;
// where modern practice differs (A-only listings, error answers) each side
// is checked against docs/compat.md.
import t from 'tap';
import { requireOracles, startDnsServer, type TestDnsServer } from '@mailfront/testkit';
import { ours, replies, theirs } from '../helpers/differential.js';

const HOST = '127.53.0.1';
const ZONES = {
  '7.100.51.198.txt.test': { a: ['127.0.0.2'], txt: ['Listed, see https://txt.test/'] },
  '7.100.51.198.txtonly.test': { txt: ['Old style list'] },
  '7.100.51.198.aonly.test': { a: ['127.0.0.2'] },
  '7.100.51.198.errors.test': { a: ['127.255.255.254'], txt: ['Query refused: open resolver'] },
};
const INPUT = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n';

const oracle = requireOracles(t, ['mailfront']);
if (oracle) {
  t.test('rbl: the same DNS answers through both', async (t) => {
    let dns: TestDnsServer;
    try {
      dns = await startDnsServer(ZONES, { host: HOST, port: 53 });
    } catch (e) {
      t.pass('rbl differential', { skip: `cannot bind ${HOST}:53 (${(e as Error).message})` });
      return;
    }
    t.teardown(() => dns.stop());
    const run = async (lists: string) => {
      const vars = { TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '198.51.100.7', DNSCACHEIP: HOST, RBL_BLACKLISTS: lists };
      const [mine, c] = await Promise.all([ours('mailfront-smtpd', ['echo', 'rbl', 'accept'], vars, INPUT), theirs(oracle.mailfront, 'smtp', ['echo', 'rbl', 'accept'], vars, INPUT)]);
      return { mine: replies(mine), c: replies(c) };
    };
    for (const lists of ['txt.test', 'txtonly.test', 'clean.test', 'clean.test,txt.test']) {
      const r = await run(lists);
      t.same(r.mine, r.c, `same replies for ${lists}`);
    }
    const aOnly = await run('aonly.test');
    t.equal(aOnly.mine[1], '451 Blocked: listed by aonly.test', 'ours: an A record is a listing (RFC 5782)');
    t.equal(aOnly.c[1], "250 Sender='a@example.com'.", 'C: only TXT counts');
    const errors = await run('errors.test');
    t.equal(errors.mine[1], "250 Sender='a@example.com'.", 'ours: 127.255.255.254 is an error from the list, not a listing');
    t.equal(errors.c[1], '451 Blocked: Query refused: open resolver', 'C: any TXT lists the client');
  });
}
