import t from 'tap';
import { haproxyV1, haproxyV2, PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY, PP2_TYPE_UNIQUE_ID } from '@mailfront/testkit';
import { crc32c } from '../src/proxy/crc32c.js';
import { parseProxyHeader } from '../src/proxy/header.js';
import { proxyUcspiEnv } from '../src/proxy/ucspi-env.js';
import { TrustedProxies } from '../src/proxy/trusted.js';

const ENDS4 = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const ENDS6 = { source: '2001:db8::5', sourcePort: 41234, destination: '2001:db8:0:0:0:0:0:1', destinationPort: 25 };
const MIXED = { source: '203.0.113.5', sourcePort: 1, destination: '2001:db8::1', destinationPort: 25 };

const complete = (bytes: Buffer) => {
  const r = parseProxyHeader(bytes);
  if (r.kind !== 'complete') throw new Error(`not complete: ${JSON.stringify(r)}`);
  return r;
};
const reason = (bytes: Buffer | string) => {
  const r = parseProxyHeader(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return r.kind === 'invalid' ? r.reason : r.kind;
};

t.test('crc32c: the standard check value', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

t.test('v1 as HAProxy writes it: TCP4, TCP6, mixed families as IPv4-mapped TCP6', async (t) => {
  const four = complete(Buffer.concat([haproxyV1(ENDS4), Buffer.from('EHLO x\r\n')]));
  t.same(four.header, { version: 1, command: 'proxy', source: { address: '203.0.113.5', port: 41234 }, destination: { address: '192.0.2.1', port: 25 } });
  t.equal(four.length, haproxyV1(ENDS4).length, 'the length stops at the CR LF: the rest is the session');
  const six = complete(haproxyV1(ENDS6));
  t.same(six.header, { version: 1, command: 'proxy', source: { address: '2001:db8::5', port: 41234 }, destination: { address: '2001:db8::1', port: 25 } });
  t.match(haproxyV1(MIXED).toString(), /^PROXY TCP6 ::ffff:203\.0\.113\.5 2001:db8::1 /);
  const mixed = complete(haproxyV1(MIXED));
  t.equal((mixed.header as { source: { address: string } }).source.address, '203.0.113.5', 'an IPv4-mapped client is its IPv4 address');
});

t.test('v1: everything not exactly right is invalid', async (t) => {
  t.equal(reason(haproxyV1()), 'v1 UNKNOWN carries no client address');
  t.equal(reason('PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n'), 'v1 UNKNOWN carries no client address');
  for (const bad of [
    'PROXY TCP4 203.0.113.5 192.0.2.1 41234 25\n',
    'PROXY TCP4 203.0.113.5 192.0.2.1 41234 25\rX',
    'PROXY TCP4 203.0.113.05 192.0.2.1 41234 25\r\n',
    'PROXY TCP4 203.0.113.5  192.0.2.1 41234 25\r\n',
    'PROXY TCP4 203.0.113.5 192.0.2.1 041234 25\r\n',
    'PROXY TCP4 203.0.113.5 192.0.2.1 65536 25\r\n',
    'PROXY TCP4 2001:db8::1 192.0.2.1 1 25\r\n',
    'PROXY TCP6 203.0.113.5 ::1 1 25\r\n',
    'PROXY TCP6 fe80::1%eth0 ::1 1 25\r\n',
    'PROXY UDP4 203.0.113.5 192.0.2.1 1 25\r\n',
    'PROXY TCP4 203.0.113.5 192.0.2.1 1\r\n',
    'proxy TCP4 203.0.113.5 192.0.2.1 1 25\r\n',
    'EHLO client.example\r\n',
    'GET / HTTP/1.0\r\n',
  ]) {
    t.not(reason(bad), 'complete', JSON.stringify(bad));
    t.not(reason(bad), 'incomplete', JSON.stringify(bad));
  }
  t.equal(reason('PROXY TCP4 ' + '1'.repeat(100)), 'no CR LF within 107 bytes');
});

t.test('fragments: a header is incomplete until its last byte, and asks for no byte beyond it', async (t) => {
  for (const header of [haproxyV1(ENDS4), haproxyV1(ENDS6), haproxyV2(ENDS4), haproxyV2(ENDS6, [[PP2_TYPE_ALPN, Buffer.from('smtp')]])]) {
    let have = 0;
    for (let guard = 0; guard < 200; guard++) {
      const r = parseProxyHeader(header.subarray(0, have));
      if (r.kind === 'complete') break;
      t.equal(r.kind, 'incomplete');
      if (r.kind !== 'incomplete') break;
      t.ok(have + r.need <= header.length, 'the need never reaches past the header');
      have += r.need;
    }
    t.equal(have, header.length);
    for (let cut = 1; cut < header.length; cut++) t.equal(parseProxyHeader(header.subarray(0, cut)).kind, 'incomplete');
  }
});

t.test('v2 as HAProxy writes it: TCP4, TCP6, mixed, LOCAL health checks, TLVs skipped, CRC32C checked', async (t) => {
  t.same(complete(haproxyV2(ENDS4)).header, { version: 2, command: 'proxy', source: { address: '203.0.113.5', port: 41234 }, destination: { address: '192.0.2.1', port: 25 } });
  t.same(complete(haproxyV2(ENDS6)).header, { version: 2, command: 'proxy', source: { address: '2001:db8::5', port: 41234 }, destination: { address: '2001:db8::1', port: 25 } });
  const mixed = complete(haproxyV2(MIXED));
  t.same((mixed.header as { source: unknown }).source, { address: '203.0.113.5', port: 1 });
  const tlvs: Array<[number, Buffer]> = [[PP2_TYPE_ALPN, Buffer.from('h2')], [PP2_TYPE_AUTHORITY, Buffer.from('mx.example.com')], [PP2_TYPE_UNIQUE_ID, Buffer.alloc(64, 7)], [0xe0, Buffer.from('custom')]];
  const withTlvs = haproxyV2(ENDS4, tlvs, crc32c);
  t.equal(complete(Buffer.concat([withTlvs, Buffer.from('EHLO')])).length, withTlvs.length);
  t.same(complete(haproxyV2('local')).header, { version: 2, command: 'local' });
  t.same(complete(haproxyV2('local', [[PP2_TYPE_UNIQUE_ID, Buffer.from('x')]])).header, { version: 2, command: 'local' }, 'LOCAL skips its length, never assumes 0');
  const corrupt = Buffer.from(withTlvs);
  corrupt[20] = corrupt[20]! ^ 1;
  t.equal(reason(corrupt), 'v2 CRC32C mismatch');
});

t.test('v2: bad versions, commands, families, lengths and TLV framing are invalid; the size cap holds', async (t) => {
  const base = haproxyV2(ENDS4);
  const patched = (at: number, value: number) => {
    const b = Buffer.from(base);
    b[at] = value;
    return b;
  };
  t.equal(reason(patched(12, 0x11)), 'v2 header with version 1');
  t.equal(reason(patched(12, 0x22)), 'v2 header with command 2');
  t.equal(reason(patched(13, 0x41)), 'v2 header with address family byte 0x41');
  t.equal(reason(patched(13, 0x12)), 'v2 PROXY without a TCP/IPv4 or TCP/IPv6 address', 'UDP');
  t.equal(reason(patched(13, 0x31)), 'v2 PROXY without a TCP/IPv4 or TCP/IPv6 address', 'UNIX');
  t.equal(reason(patched(13, 0x00)), 'v2 PROXY without a TCP/IPv4 or TCP/IPv6 address', 'UNSPEC');
  t.equal(reason(patched(13, 0x21)), 'v2 address block shorter than its family needs');
  const tlvCut = Buffer.concat([base.subarray(0, 14), Buffer.from([0, 14]), base.subarray(16), Buffer.from([1, 0])]);
  t.equal(reason(tlvCut), 'v2 TLV cut short');
  const tlvLong = Buffer.concat([base.subarray(0, 14), Buffer.from([0, 15]), base.subarray(16), Buffer.from([1, 0, 9])]);
  t.equal(reason(tlvLong), 'v2 TLV runs past the header');
  const big = haproxyV2(ENDS4, [[PP2_TYPE_UNIQUE_ID, Buffer.alloc(5000)]]);
  t.match(reason(big), /^v2 header of 5031 bytes, over the limit of 4096$/);
  t.match(reason(big.subarray(0, 16)), /over the limit/, 'refused from the length field, before the rest is read');
  t.equal(parseProxyHeader(big, { maxV2Length: 65551 }).kind, 'complete');
});

t.test('TrustedProxies: addresses and CIDR blocks, both families, mapped peers', async (t) => {
  const trusted = new TrustedProxies('10.0.0.0/8, 192.0.2.7 2001:db8::/32');
  t.equal(trusted.size, 3);
  t.ok(trusted.allows('10.1.2.3'));
  t.ok(trusted.allows('::ffff:10.1.2.3'));
  t.ok(trusted.allows('192.0.2.7'));
  t.notOk(trusted.allows('192.0.2.8'));
  t.ok(trusted.allows('2001:db8:ffff::1'));
  t.notOk(trusted.allows('2001:db9::1'));
  t.notOk(trusted.allows(undefined));
  t.notOk(trusted.allows('not-an-ip'));
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/', '::1/129', 'fe80::1%eth0']) t.throws(() => new TrustedProxies(bad), { message: `"${bad}" is not an IP address or CIDR block` });
  t.equal(new TrustedProxies('').size, 0);
});

t.test('proxyUcspiEnv: the client and the address it reached; the proxy\'s names removed', async (t) => {
  const env = { PROTO: 'TCP', TCPREMOTEIP: '10.0.0.1', TCPREMOTEPORT: '5000', TCPREMOTEHOST: 'haproxy.lan', TCPREMOTEINFO: 'x', TCPLOCALIP: '10.0.0.2', TCPLOCALPORT: '2525', TCPLOCALHOST: 'mx.example.com', KEEP: 'me' };
  const header = complete(haproxyV2(ENDS4)).header;
  t.same(proxyUcspiEnv(header, env), { PROTO: 'TCP', TCPREMOTEIP: '203.0.113.5', TCPREMOTEPORT: '41234', TCPLOCALIP: '192.0.2.1', TCPLOCALPORT: '25', TCPLOCALHOST: 'mx.example.com', KEEP: 'me' });
  t.same(proxyUcspiEnv(complete(haproxyV2('local')).header, env), env, 'LOCAL keeps the real endpoints');
  t.equal(proxyUcspiEnv(header, { TCP6REMOTEIP: 'x', PROTO: 'TCP6' }).TCP6REMOTEIP, '203.0.113.5', 'the variables follow PROTO');
  t.equal(proxyUcspiEnv(header, {}).TCPREMOTEIP, '203.0.113.5', 'PROTO defaults to TCP');
});
