import t from 'tap';
import { domainLookupKey, domainToDisplay, hostNameToAscii } from '../src/domain-name.js';

t.test('hostNameToAscii: U-labels and A-labels meet in one lower-cased A-label form', async (t) => {
  t.equal(hostNameToAscii('Bücher.Example'), 'xn--bcher-kva.example');
  t.equal(hostNameToAscii('XN--BCHER-KVA.example'), 'xn--bcher-kva.example');
  t.equal(hostNameToAscii('ESPAÑOL.Example'), 'xn--espaol-zwa.example');
  t.equal(hostNameToAscii('faß.de'), 'xn--fa-hia.de', 'non-transitional: ß is kept, not mapped to ss');
  t.equal(hostNameToAscii('例え。テスト'), 'xn--r8jz45g.xn--zckzah', 'ideographic full stop separates labels');
  t.equal(hostNameToAscii('mx.example.com.'), 'mx.example.com', 'a trailing dot is dropped');
  t.equal(hostNameToAscii('123.example'), '123.example');
});

t.test('hostNameToAscii: what url.domainToASCII lets through is refused here', async (t) => {
  for (const bad of ['a..b', '-bad-.com', 'bad-.com', 'xn--invalid-.com', 'xn--zz.com', 'exa mple.com', 'a_b.com', '', '.', '[192.0.2.1]', 'x'.repeat(64) + '.com', ('a'.repeat(60) + '.').repeat(5) + 'com', 'ü'.repeat(60) + '.com', '１２３', '1.2.3.4', '-bü.example', 'bü-.example', 'xn---b-hoa.example']) {
    t.equal(hostNameToAscii(bad), undefined, JSON.stringify(bad));
  }
  t.equal(hostNameToAscii('x'.repeat(63) + '.com'), 'x'.repeat(63) + '.com', '63 octets is the longest label');
});

t.test('domainLookupKey keeps what qmail lists hold (leading dots, wildcards, odd ASCII)', async (t) => {
  t.equal(domainLookupKey('Example.COM'), 'example.com');
  t.equal(domainLookupKey('.Bücher.example'), '.xn--bcher-kva.example');
  t.equal(domainLookupKey('*.bücher.example'), '*.xn--bcher-kva.example');
  t.equal(domainLookupKey('a_b.Com'), 'a_b.com', 'ASCII is only lower-cased, as qmail does');
  t.equal(domainLookupKey('exa mple.cöm'), 'exa mple.cöm', 'a name IDNA refuses only matches itself');
});

t.test('domainToDisplay gives U-labels for trace fields', async (t) => {
  t.equal(domainToDisplay('xn--bcher-kva.example'), 'bücher.example');
  t.equal(domainToDisplay('[192.0.2.1]'), '[192.0.2.1]');
  t.equal(domainToDisplay('0'), '0', 'no IPv4 reading of names without A-labels');
  t.equal(domainToDisplay('xn--zz.example'), 'xn--zz.example');
});
