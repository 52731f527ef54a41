import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { AddressError, bindAddress, portNumber, unmapped } from '../src/address.js';

const dir = scratchDir(t);

t.test('host: 0 and empty are every IPv4 address; literals are themselves; names are looked up', async (t) => {
  t.equal(await bindAddress('0'), '0.0.0.0');
  t.equal(await bindAddress(''), '0.0.0.0');
  t.equal(await bindAddress('127.0.0.1'), '127.0.0.1');
  t.equal(await bindAddress('::'), '::');
  t.match(await bindAddress('localhost'), /^(127\.0\.0\.1|::1)$/);
  await t.rejects(bindAddress('no-such-host.invalid'), AddressError);
});

t.test('port: a number or an /etc/services name', async (t) => {
  const services = join(dir, 'services');
  writeFileSync(services, '# comment\nsmtp\t\t25/tcp\t\tmail\nqmtp 209/tcp # QMTP\ndomain 53/udp\n');
  t.equal(portNumber('2525', services), 2525);
  t.equal(portNumber('smtp', services), 25);
  t.equal(portNumber('mail', services), 25, 'an alias');
  t.equal(portNumber('qmtp', services), 209);
  t.throws(() => portNumber('domain', services), /unknown port number or name: domain/, 'udp only');
  t.throws(() => portNumber('70000', services), AddressError);
  t.throws(() => portNumber('smtp', join(dir, 'none')), AddressError);
});

t.test('IPv4 peers of an IPv6 socket lose their ::ffff:', async (t) => {
  t.equal(unmapped('::ffff:192.0.2.1'), '192.0.2.1');
  t.equal(unmapped('2001:db8::1'), '2001:db8::1');
  t.equal(unmapped(undefined), '');
});
