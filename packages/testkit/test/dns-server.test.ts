import t from 'tap';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { parseQuestion, respond } from '../src/dns-server.js';
import { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_MX, DNS_TYPE_TXT, startDnsServer } from '../src/index.js';

function resolverFor(address: string, timeout = 2000): Resolver {
  const r = new Resolver({ timeout, tries: 1 });
  r.setServers([address]);
  return r;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'no code';
  }
}

t.test('answers PTR questions with host names', async (t) => {
  const dns = await startDnsServer({ '7.2.0.192.in-addr.arpa': { ptr: ['client.example.org.', 'alias.example.org'] } });
  t.teardown(() => dns.stop());
  const r = resolverFor(dns.address);
  t.same(await r.resolvePtr('7.2.0.192.in-addr.arpa'), ['client.example.org', 'alias.example.org']);
  t.equal(await code(r.resolvePtr('8.2.0.192.in-addr.arpa')), 'ENOTFOUND');
});

t.test('answers A and TXT from its table, NXDOMAIN otherwise', async (t) => {
  const dns = await startDnsServer({
    '2.0.0.127.zen.test': { a: ['127.0.0.2', '127.0.0.4'], txt: ['listed: see https://zen.test/'] },
    'Split.Test.': { txt: [['one', 'two'], 'x'.repeat(300)] },
    'aonly.test': { a: ['127.0.0.3'] },
  });
  t.teardown(() => dns.stop());
  t.match(dns.address, /^127\.0\.0\.1:\d+$/);
  const r = resolverFor(dns.address);
  t.same(await r.resolve4('2.0.0.127.zen.test'), ['127.0.0.2', '127.0.0.4']);
  t.same(await r.resolveTxt('2.0.0.127.ZEN.test'), [['listed: see https://zen.test/']]);
  t.same(await r.resolveTxt('split.test'), [['one', 'two'], ['x'.repeat(255), 'x'.repeat(45)]]);
  t.equal(await code(r.resolve4('1.0.0.127.zen.test')), 'ENOTFOUND');
  t.equal(await code(r.resolveTxt('aonly.test')), 'ENODATA', 'name exists without TXT: NODATA');
  t.same(dns.queries.slice(0, 2), [
    { name: '2.0.0.127.zen.test', type: DNS_TYPE_A },
    { name: '2.0.0.127.zen.test', type: DNS_TYPE_TXT },
  ]);
});

t.test('answers AAAA and MX', async (t) => {
  const dns = await startDnsServer({
    'v6.test': { aaaa: ['2001:db8::25', '::1', '2001:db8:1:2:3:4:5:6'], mx: ['mx1.v6.test', { exchange: 'mx2.v6.test.', priority: 5 }] },
  });
  t.teardown(() => dns.stop());
  const r = resolverFor(dns.address);
  t.same(await r.resolve6('v6.test'), ['2001:db8::25', '::1', '2001:db8:1:2:3:4:5:6']);
  t.same((await r.resolveMx('v6.test')).map(({ exchange, priority }) => ({ exchange, priority })), [
    { exchange: 'mx1.v6.test', priority: 10 },
    { exchange: 'mx2.v6.test', priority: 5 },
  ]);
  t.equal(await code(r.resolveMx('nope.test')), 'ENOTFOUND');
  t.same(dns.queries.map((q) => q.type), [DNS_TYPE_AAAA, DNS_TYPE_MX, DNS_TYPE_MX]);
});

t.test('fails, delays or drops on request', async (t) => {
  const dns = await startDnsServer({ 'bad.test': { fail: 'servfail' }, 'no.test': { fail: 'refused' } });
  t.teardown(() => dns.stop());
  dns.set('slow.test', { a: ['127.0.0.2'], delayMs: 150 });
  dns.set('dead.test', { fail: 'drop' });
  const r = resolverFor(dns.address, 400);
  t.equal(await code(r.resolve4('bad.test')), 'ESERVFAIL');
  t.equal(await code(r.resolve4('no.test')), 'EREFUSED');
  t.same(await r.resolve4('slow.test'), ['127.0.0.2']);
  t.equal(await code(r.resolve4('dead.test')), 'ETIMEOUT');
  // stop() cancels answers still waiting.
  dns.set('later.test', { a: ['127.0.0.2'], delayMs: 5000 });
  void code(resolverFor(dns.address, 100).resolve4('later.test'));
  await new Promise((resolve) => setTimeout(resolve, 50));
});

t.test('ignores malformed messages and keeps serving', async (t) => {
  const dns = await startDnsServer({ 'ok.test': { a: ['127.0.0.2'] } });
  t.teardown(() => dns.stop());
  const socket = createSocket('udp4');
  for (const junk of [Buffer.alloc(3), Buffer.from('000081000001000000000000', 'hex'), Buffer.from('00000100000100000000000005abc', 'hex')]) {
    await new Promise((resolve) => socket.send(junk, dns.port, '127.0.0.1', resolve));
  }
  socket.close();
  t.same(await resolverFor(dns.address).resolve4('ok.test'), ['127.0.0.2']);
  t.same(dns.queries, [{ name: 'ok.test', type: DNS_TYPE_A }]);
});

t.test('parseQuestion and respond', async (t) => {
  const query = Buffer.concat([
    Buffer.from('abcd01000001000000000001', 'hex'),
    Buffer.from([2, 0x4f, 0x6b, 4, 0x74, 0x65, 0x73, 0x74, 0]),
    Buffer.from('00010001', 'hex'),
  ]);
  const q = parseQuestion(query)!;
  t.equal(q.name, 'ok.test');
  t.equal(q.id, 0xabcd);
  t.equal(parseQuestion(query.subarray(0, query.length - 2)), undefined, 'type cut off');
  const answer = respond(q, { a: ['127.0.0.9'] })!;
  t.equal(answer.readUInt16BE(2) & 0x000f, 0, 'NOERROR');
  t.equal(answer.readUInt16BE(6), 1, 'one answer');
  t.same([...answer.subarray(answer.length - 4)], [127, 0, 0, 9]);
  t.equal(respond(q, { fail: 'drop' }), null);
  t.throws(() => respond(q, { a: ['::1'] }), /not an IPv4 address/);
  t.throws(() => respond({ ...q, type: DNS_TYPE_AAAA }, { aaaa: ['::ffff:1.2.3.4'] }), /not an IPv6 address in hex form/);
  t.equal(respond(q, { txt: [''] })!.readUInt16BE(6), 0, 'A question for a TXT-only name: NODATA');
  const txt = respond({ ...q, type: DNS_TYPE_TXT }, { txt: [''] })!;
  t.same([...txt.subarray(txt.length - 3)], [0, 1, 0], 'an empty TXT is one empty string');
});
