import t from 'tap';
import { haproxyV1, haproxyV2, PP2_TYPE_ALPN } from '../src/proxy-client.js';

const V4 = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const SIG = '0d0a0d0a000d0a515549540a';

t.test('v1 lines as HAProxy writes them', async (t) => {
  t.equal(haproxyV1(V4).toString(), 'PROXY TCP4 203.0.113.5 192.0.2.1 41234 25\r\n');
  t.equal(haproxyV1({ ...V4, destination: '2001:db8::1' }).toString(), 'PROXY TCP6 ::ffff:203.0.113.5 2001:db8::1 41234 25\r\n');
  t.equal(haproxyV1().toString(), 'PROXY UNKNOWN\r\n');
});

t.test('v2 headers byte for byte', async (t) => {
  t.equal(haproxyV2(V4).toString('hex'), SIG + '2111000c' + 'cb007105' + 'c0000201' + 'a112' + '0019');
  t.equal(haproxyV2('local').toString('hex'), SIG + '20000000');
  const six = haproxyV2({ source: '::ffff:203.0.113.5', sourcePort: 1, destination: '2001:db8::1', destinationPort: 25 });
  t.equal(six.toString('hex'), SIG + '21210024' + '00000000000000000000ffffcb007105' + '20010db8000000000000000000000001' + '0001' + '0019');
  const tlv = haproxyV2('local', [[PP2_TYPE_ALPN, Buffer.from('h2')]], () => 0xdeadbeef);
  t.equal(tlv.toString('hex'), SIG + '2000000c' + '01000268' + '32' + '030004deadbeef');
});

t.test('socketPair: the server side reads nothing until asked', async (t) => {
  const { socketPair } = await import('../src/socket-pair.js');
  const pair = await socketPair(t);
  t.ok(pair.fd > 2);
  pair.client.end('left for later');
  await new Promise((r) => setTimeout(r, 20));
  t.equal((await pair.rest()).toString(), 'left for later');
});
