import t from 'tap';
import { buildCdb, CdbReader } from '@mailfront/cdb64';
import { AddressList, RcptHosts } from '../src/address-lists.js';
import { addressLookupKey } from '../src/control.js';
import { asciiLower, parseControlLine, parseControlList, parseControlNumber } from '../src/control.js';
import { findVirtualDomain, parseVirtualDomains } from '../src/virtual-domains.js';

const b = (s: string) => Buffer.from(s);

t.test('lists: trimmed, lower-cased, comments and blank lines skipped', async (t) => {
  t.same(parseControlList(b('Example.ORG\n  localhost  \r\n# a comment\n\n\tmail.example.org\n')), ['example.org', 'localhost', 'mail.example.org']);
  t.same(parseControlList(b('A\n'), false), ['A']);
  t.same(parseControlList(undefined), []);
  t.equal(asciiLower('ÄBC-def'), 'Äbc-def', 'only ASCII letters fold');
});

t.test('one-line files are not trimmed (reference A.26)', async (t) => {
  t.equal(parseControlLine(b('example.org  \nsecond\n')), 'example.org  ');
  t.equal(parseControlLine(b('example.org\r\n')), 'example.org\r');
  t.equal(parseControlLine(b('noeol')), 'noeol');
  t.equal(parseControlLine(b('')), undefined);
  t.equal(parseControlLine(b('\nx')), undefined);
  t.equal(parseControlLine(undefined), undefined);
  t.equal(parseControlLine(Buffer.alloc(5000, 0x61))?.length, 4096);
  t.equal(parseControlNumber(b('1000000\n')), 1000000);
  t.equal(parseControlNumber(b(' 12k\n')), 12);
  t.equal(parseControlNumber(b('x\n')), 0);
  t.equal(parseControlNumber(undefined), undefined);
});

t.test('virtualdomains: first duplicate wins, wildcards keep their dot', async (t) => {
  const table = parseVirtualDomains(b('virt.test:vuser\nVirt2.Test:vuser-Sub\n.wild.test:wuser\nempty.test:\n spaced.test : vuser \nnocolon\ndup.test:a\nDUP.test:b\n'));
  t.same(findVirtualDomain(table, 'virt2.test'), { key: 'virt2.test', prefix: 'vuser-Sub' });
  t.same(findVirtualDomain(table, 'deep.a.wild.test'), { key: '.wild.test', prefix: 'wuser' });
  t.equal(findVirtualDomain(table, 'wild.test'), undefined);
  t.same(findVirtualDomain(table, 'empty.test'), { key: 'empty.test', prefix: '' });
  t.equal(findVirtualDomain(table, 'spaced.test'), undefined, 'inner blanks stay part of the key');
  t.equal(table.get('spaced.test '), ' vuser');
  t.same(findVirtualDomain(table, 'dup.test'), { key: 'dup.test', prefix: 'a' });
  t.equal(findVirtualDomain(table, 'nocolon'), undefined);
});

t.test('badmailfrom / badrcptto', async (t) => {
  const list = new AddressList(['bad@example.com', '@spam.example']);
  t.ok(list.matches('BAD@Example.com'));
  t.ok(list.matches('x@SPAM.example'));
  t.notOk(list.matches('good@example.com'));
  t.notOk(new AddressList(['@spam.example']).matches('@spam.example'.slice(0)) && false);
  t.notOk(new AddressList(['@x']).matches('@x') === false, 'a listed @domain matches itself as an entry');
  t.notOk(new AddressList(['@x.test']).matches('nobody'), 'no @');
  t.equal(list.size, 2);
});

t.test('rcpthosts and morercpthosts.cdb', async (t) => {
  const more = CdbReader.fromBuffer(buildCdb([[b('more.example'), b('')], [b('.sub.more.example'), b('')]]));
  const hosts = new RcptHosts(['example.org', '.sub.example.net'], more);
  t.ok(hosts.allows('Example.ORG'));
  t.ok(hosts.allows('deep.sub.example.net'));
  t.notOk(hosts.allows('sub.example.net'));
  t.ok(hosts.allows('more.example'));
  t.ok(hosts.allows('a.sub.more.example'));
  t.notOk(hosts.allows('other.example'));
  t.ok(hosts.allowsAddress('a@example.org'));
  t.notOk(hosts.allowsAddress('a@other.example'));
  t.ok(hosts.allowsAddress('postmaster'), 'an address without @ is local');
  t.notOk(new RcptHosts([], undefined).allows('example.org'));
});

t.test('IDN: U-labels and A-labels are one domain in rcpthosts, badmailfrom and badrcptto', async (t) => {
  const hosts = new RcptHosts(['Bücher.example', '.xn--espaol-zwa.example'], undefined);
  t.ok(hosts.allows('xn--bcher-kva.example'));
  t.ok(hosts.allows('BÜCHER.example'.toLowerCase()));
  t.ok(hosts.allows('mx.español.example'), 'a .suffix entry written as an A-label covers U-label subdomains');
  t.notOk(hosts.allows('español.example'));
  t.ok(hosts.allowsAddress('jörg@XN--BCHER-KVA.example'));
  const bad = new AddressList(['Jörg@xn--bcher-kva.example', '@spam.bücher.example']);
  t.ok(bad.matches('jörg@bücher.example'), 'the local part is kept as is apart from ASCII case');
  t.notOk(bad.matches('JÖRG@bücher.example'), 'qmail folds ASCII only');
  t.ok(bad.matches('x@spam.xn--bcher-kva.example'));
  t.equal(addressLookupKey('Joe@Bücher.Example'), 'joe@xn--bcher-kva.example');
  t.equal(addressLookupKey('@Bücher.example'), '@xn--bcher-kva.example');
  t.equal(addressLookupKey('NoDomain'), 'nodomain');
});

t.test('IDN: morercpthosts.cdb is looked up by the A-label, and by the U-label for a cdb built from UTF-8', async (t) => {
  const ascii = new RcptHosts([], CdbReader.fromBuffer(buildCdb([[b('xn--bcher-kva.example'), b('')]])));
  t.ok(ascii.allows('bücher.example'));
  const unicode = new RcptHosts([], CdbReader.fromBuffer(buildCdb([[b('bücher.example'), b('')]])));
  t.ok(unicode.allows('xn--bcher-kva.example'));
  t.ok(unicode.allows('Bücher.example'));
  t.notOk(unicode.allows('xn--zz.example'));
});
