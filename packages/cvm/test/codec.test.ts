import t from 'tap';
import { Cred, CvmCode, cvmErrorText, Fact, isPermanentFailure } from '../src/constants.js';
import { encodeRequestV1, encodeRequestV2, parseRequest } from '../src/request-codec.js';
import { decodeResponseV1, decodeResponseV2, encodeResponse } from '../src/response-codec.js';
import { hex } from './helpers/fake-module.js';

const cred = (type: number, value: string) => ({ type, value: Buffer.from(value) });

t.test('v2 request: the bytes cvm sends (reference §3.1)', async (t) => {
  const r = encodeRequestV2(Buffer.alloc(0), [cred(Cred.ACCOUNT, 'joe'), cred(Cred.DOMAIN, 'example.org'), cred(Cred.SECRET, 'secret')]);
  t.ok(r.ok);
  if (r.ok) t.same(r.packet, hex('0200 0103 6a6f65 020b 6578616d706c652e6f7267 0406 736563726574 00'));
  const nonce = encodeRequestV2(Buffer.from([0xab, 0xcd]), []);
  if (nonce.ok) t.same(nonce.packet, hex('0202abcd00'));
});

t.test('v2 request limits: 511 bytes (code 1) and 255-byte values (code 2)', async (t) => {
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(Cred.ACCOUNT, 'a'.repeat(600))]), { ok: false, code: 1 });
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(Cred.ACCOUNT, 'a'.repeat(480))]), { ok: false, code: 2 });
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(Cred.PASSWORD, 'p'.repeat(300))]), { ok: false, code: 2 });
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(Cred.PASSWORD, 'p'.repeat(255))]), { ok: true });
  t.match(encodeRequestV2(Buffer.alloc(256), []), { ok: false, code: 1 });
  const udpSized = [cred(Cred.ACCOUNT, 'a'.repeat(480)), cred(Cred.DOMAIN, 'example.org'), cred(Cred.SECRET, 'secret')];
  t.match(encodeRequestV2(Buffer.alloc(0), udpSized), { ok: false, code: 2 }, 'fits: refused as corrupt');
  t.match(encodeRequestV2(Buffer.alloc(8), udpSized), { ok: false, code: 1 }, 'with a nonce it does not fit: 1, as the C client');
  // 2 + (253 + 2) + (250 + 2) = 509; one more byte would reach 511
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(1, 'a'.repeat(253)), cred(3, 'b'.repeat(250))]), { ok: true });
  t.match(encodeRequestV2(Buffer.alloc(0), [cred(1, 'a'.repeat(253)), cred(3, 'b'.repeat(252))]), { ok: false, code: 1 });
});

t.test('v1 request', async (t) => {
  const r = encodeRequestV1([cred(Cred.ACCOUNT, 'joe'), cred(Cred.DOMAIN, 'example.org'), cred(Cred.SECRET, 'secret')]);
  if (r.ok) t.same(r.packet, hex('016a6f6500 6578616d706c652e6f726700 73656372657400 00'));
  const bare = encodeRequestV1([cred(Cred.ACCOUNT, 'joe')]);
  if (bare.ok) t.same(bare.packet, hex('016a6f65000000'));
  t.match(encodeRequestV1([cred(Cred.ACCOUNT, 'j\0e')]), { ok: false, code: 2 });
  t.match(encodeRequestV1([cred(Cred.ACCOUNT, 'j'), cred(3, 'a'), cred(4, 'b')]), { ok: false, code: 1 });
  t.match(encodeRequestV1([cred(Cred.ACCOUNT, 'j'.repeat(600))]), { ok: false, code: 1 });
});

t.test('module-side parsing follows cvm, without its crash (reference A.6b)', async (t) => {
  const cases: Array<[string, number, number]> = [
    ['', 2, 1],
    ['02', 2, 2],
    ['0200', 2, 2],
    ['020000', 0, 2],
    ['01', 2, 1],
    ['0100', 2, 1],
    ['016a6f650000', 2, 1],
    ['016a6f65006578616d706c652e6f7267000000', 0, 1],
    ['016a6f65006578616d706c652e6f726700', 2, 1],
    ['016a6f65006578616d706c652e6f72670000', 0, 1],
    ['016a6f6500650063310063320000', 2, 1],
    ['016a6f650065006331', 2, 1],
    ['030001036a6f6500', 2, 1],
    ['0200 0103 6a6f65 00 00', 0, 2], // one trailing byte
    ['0200 0103 6a6f65 00 00 00', 0, 2], // trailing NULs
    ['0200 0103 6a6f65', 2, 2], // no terminator
    ['0200 0109 6a6f65 00', 2, 2], // item runs past the end
    ['02ff 00', 2, 2], // nonce runs past the end
  ];
  for (const [input, code, version] of cases) {
    const r = parseRequest(hex(input));
    t.equal(r.code, code, `${input || '(empty)'} gives ${code}`);
    t.equal(r.version, version);
  }
  const ok = parseRequest(hex('0202abcd 0103 6a6f65 0900 c801 41 0103 626f62 00'));
  t.same(ok.random, hex('abcd'));
  t.same(ok.credentials[Cred.ACCOUNT], Buffer.from('bob'), 'a later duplicate wins');
  t.equal(ok.credentials[200], undefined, 'unknown types are skipped');
  const v1 = parseRequest(hex('016a6f6500 6578616d706c652e6f726700 73656372657400 00'), Cred.SECRET);
  t.same(v1.credentials[Cred.SECRET], Buffer.from('secret'));
  t.same(v1.credentials[Cred.DOMAIN], Buffer.from('example.org'));
  t.equal(parseRequest(hex('016a6f650000 00')).credentials[Cred.DOMAIN], undefined, 'an empty v1 domain is absent');
  const long = Buffer.concat([hex('0200 0103 6a6f65 00'), Buffer.alloc(600, 0x41)]);
  t.equal(parseRequest(long).code, 2, 'input past 512 bytes is cut there');
  t.same(parseRequest(hex('02ff00')).random.length, 255, 'a short nonce is echoed with zeros');
});

t.test('responses: encoding, the 512-byte limit, v1 layout', async (t) => {
  const facts = [
    { type: Fact.USERNAME, value: Buffer.from('joe') },
    { type: Fact.OUTOFSCOPE, value: Buffer.from('1') },
  ];
  t.same(encodeResponse(2, 0, hex('abcd'), facts).packet, hex('0002abcd 01036a6f65 100131 00'));
  t.same(encodeResponse(1, 100, Buffer.alloc(0), facts.slice(1)).packet, hex('64103100 00'));
  t.same(encodeResponse(2, 7, Buffer.alloc(0), []).packet, hex('070000'));
  const big = Array.from({ length: 3 }, () => ({ type: Fact.DIRECTORY, value: Buffer.alloc(200, 0x61) }));
  const cut = encodeResponse(2, 0, Buffer.alloc(0), big);
  t.equal(cut.code, CvmCode.BAD_MODDATA);
  t.equal(cut.packet[0], 3);
  t.ok(cut.packet.length <= 512);
  t.equal(encodeResponse(2, 0, Buffer.alloc(0), [{ type: 5, value: Buffer.alloc(256) }]).code, 3, 'a v2 fact over 255 bytes');
  t.equal(encodeResponse(1, 0, Buffer.alloc(0), [{ type: 5, value: Buffer.from('a\0b') }]).code, 3, 'a v1 fact with NUL');
});

t.test('client-side response checks (reference §3.5, A.27)', async (t) => {
  const none = Buffer.alloc(0);
  t.equal(decodeResponseV2(none, none).code, 3, 'empty');
  t.equal(decodeResponseV2(hex('0000'), none).code, 3, 'short');
  t.equal(decodeResponseV2(hex('00019900'), none).code, 3, 'wrong nonce length');
  t.equal(decodeResponseV2(hex('0001990000'), hex('98')).code, 3, 'wrong nonce');
  t.equal(decodeResponseV2(hex('0000010175'), none).code, 3, 'no terminator');
  t.equal(decodeResponseV2(hex('00000109757500'), none).code, 3, 'fact past the end');
  t.equal(decodeResponseV2(Buffer.alloc(513), none).code, 3, 'too long');
  t.same(decodeResponseV2(hex('6400 100131 00'), none), { code: 100, facts: [{ type: 16, value: Buffer.from('1') }] });
  t.same(decodeResponseV2(hex('0003 77ec79 0101 75 00 9900'), hex('77ec79')).facts.length, 1, 'facts end at a zero tag');
  t.same(decodeResponseV1(hex('64103100 00')), { code: 100, facts: [{ type: 16, value: Buffer.from('1') }] });
  t.same(decodeResponseV1(hex('0700')), { code: 7, facts: [] });
  t.same(decodeResponseV1(hex('07 1031')), { code: 7, facts: [] }, 'facts of a cut failure are dropped');
  t.same(decodeResponseV1(hex('00 01 6a6f6500 00')).facts, [{ type: 1, value: Buffer.from('joe') }]);
  t.equal(decodeResponseV1(hex('0000')).code, 3, 'success needs 3 bytes');
  t.equal(decodeResponseV1(hex('00 01 6a6f6500')).code, 3, 'success needs the final NUL');
  t.equal(decodeResponseV1(none).code, 3);
});

t.test('error texts and permanence', async (t) => {
  t.equal(cvmErrorText(0), 'No error');
  t.equal(cvmErrorText(5), 'Fact missing in data from client');
  t.equal(cvmErrorText(7), 'Credential missing in data from module');
  t.equal(cvmErrorText(50), 'Unknown error');
  t.equal(cvmErrorText(100), 'Credentials rejected');
  t.equal(cvmErrorText(101), 'Unknown error code');
  t.equal(cvmErrorText(-1), 'Unknown error');
  t.ok(isPermanentFailure(100));
  t.notOk(isPermanentFailure(4));
});
