import t from 'tap';
import { startDnsServer } from '@mailfront/testkit';
import { dnsLookups, remoteName } from '../src/dns.js';

t.test('names, addresses and the paranoid check, over DNS ($DNSCACHEIP)', async (t) => {
  const dns = await startDnsServer({
    '7.2.0.192.in-addr.arpa': { ptr: ['client.example.org'] },
    '8.2.0.192.in-addr.arpa': { ptr: ['liar.example.org'] },
    '9.2.0.192.in-addr.arpa': { fail: 'servfail' },
    'client.example.org': { a: ['192.0.2.7', '192.0.2.77'] },
    'liar.example.org': { a: ['203.0.113.1'] },
  });
  t.teardown(() => dns.stop());
  const lookups = dnsLookups(dns.address);
  t.equal(await lookups.name('192.0.2.7'), 'client.example.org');
  t.equal(await lookups.name('192.0.2.10'), undefined, 'no PTR: no name');
  await t.rejects(lookups.name('192.0.2.9'), 'a DNS failure is an error');
  t.same(await lookups.addresses('client.example.org'), ['192.0.2.7', '192.0.2.77']);
  t.same(await lookups.addresses('nowhere.example.org'), []);
  t.same(await lookups.addresses('198.51.100.1'), ['198.51.100.1'], 'a dotted quad is itself');
  t.equal(await remoteName(lookups, '192.0.2.7', false), 'client.example.org');
  t.equal(await remoteName(lookups, '192.0.2.7', true), 'client.example.org');
  t.equal(await remoteName(lookups, '192.0.2.8', false), 'liar.example.org');
  t.equal(await remoteName(lookups, '192.0.2.8', true), '', '-p: a name that does not lead back is dropped');
  t.equal(await remoteName(lookups, '192.0.2.10', true), '');
  t.ok(dnsLookups(undefined), 'the system resolver when DNSCACHEIP is unset');
});
