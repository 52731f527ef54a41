import t from 'tap';
import { DnsblNameError, dnsblQueryName, normaliseZone, reversedAddress, unmapAddress } from '../src/index.js';

t.test('IPv4 addresses reverse by octet', async (t) => {
  t.equal(reversedAddress('1.2.3.4'), '4.3.2.1');
  t.equal(reversedAddress('127.0.0.2'), '2.0.0.127');
  t.equal(dnsblQueryName('192.0.2.99', 'zen.example'), '99.2.0.192.zen.example');
  t.equal(dnsblQueryName('192.0.2.99', 'zen.example.'), '99.2.0.192.zen.example', 'a final dot is dropped');
});

t.test('IPv6 addresses reverse by nibble (RFC 5782 §2.4)', async (t) => {
  t.equal(
    reversedAddress('2001:db8:1:2:3:4:567:89ab'),
    'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2',
  );
  t.equal(reversedAddress('::1'), '1' + '.0'.repeat(31));
  t.equal(reversedAddress('2001:DB8::'), '0.'.repeat(24) + '8.b.d.0.1.0.0.2');
  t.equal(reversedAddress('::'), Array(32).fill('0').join('.'));
  t.equal(reversedAddress('64:ff9b::192.0.2.33'), '1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0');
});

t.test('IPv4-mapped IPv6 is asked about as IPv4', async (t) => {
  t.equal(unmapAddress('::ffff:1.2.3.4'), '1.2.3.4');
  t.equal(unmapAddress('::FFFF:1.2.3.4'), '1.2.3.4');
  t.equal(unmapAddress('::ffff:1.2.3.400'), '::ffff:1.2.3.400');
  t.equal(reversedAddress('::ffff:10.0.0.1'), '1.0.0.10');
});

t.test('anything else is not an address', async (t) => {
  for (const bad of ['', 'unknown', '1.2.3', '1.2.3.4.5', '256.1.1.1', 'fe80::1%eth0', '1.2.3.4 ']) {
    t.equal(reversedAddress(bad), undefined, JSON.stringify(bad));
  }
  t.throws(() => dnsblQueryName('x', 'zen.example'), DnsblNameError);
});

t.test('zones are checked', async (t) => {
  t.equal(normaliseZone('bl.spamcop.net'), 'bl.spamcop.net');
  t.equal(normaliseZone('Dnsbl-1.uceprotect.net.'), 'Dnsbl-1.uceprotect.net');
  t.equal(normaliseZone('_x.example'), '_x.example');
  for (const bad of ['', '.', 'a..b', '.a', 'a b', 'x;rm', 'zen.example:text', 'a'.repeat(64), 'a.'.repeat(95) + 'a']) {
    t.throws(() => normaliseZone(bad), DnsblNameError, JSON.stringify(bad));
  }
});
