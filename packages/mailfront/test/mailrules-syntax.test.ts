// The pieces of the mail rules language: the glob, the fields and their
// escapes, the rules file reader (selectors, codes, warnings, errors).
import t from 'tap';
import { compileGlob } from '../src/plugins/mailrules/glob.js';
import { decodeField, FieldError, splitEnvItems, splitFields } from '../src/plugins/mailrules/fields.js';
import { parseRules, RulesError, type ParseOptions } from '../src/plugins/mailrules/rules-file.js';
import type { AddressList } from '../src/plugins/mailrules/lists.js';

t.test('glob: *, ?, sets, negated sets, literal backslash outside sets', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b', 'axbyb', true],
    ['*@*.com', 'a@b@c.com', true],
    ['*.com', 'x.com.org', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['?', '', false],
    ['a[bc]d', 'abd', true],
    ['a[bc]d', 'aed', false],
    ['a[!bc]d', 'aed', true],
    ['a[^bc]d', 'abd', false],
    ['a[b-d]e', 'ace', false], // no ranges
    ['a[]]b', 'a]b', false], // `]` right after `[` closes an empty set
    ['a[!]]b', 'ax]b', true],
    ['a[\\]]b', 'a]b', true], // `\` escapes inside a set
    ['a[\\]]b', 'a\\]b', false],
    ['a\\*', 'a\\x', true], // outside a set `\` is an ordinary byte
    ['a\\*', 'a*', false],
    ['***a', 'bba', true],
    ['A', 'a', false], // case-sensitive
  ];
  for (const [pattern, text, expected] of cases) t.equal(compileGlob(pattern).matches(text), expected, `${pattern} ~ ${text}`);
});

t.test('glob: a set without its ] matches once it is reached with text left', async (t) => {
  t.ok(compileGlob('a[bc').matches('azzz'));
  t.notOk(compileGlob('a[bc').matches('a'));
  t.ok(compileGlob('[').matches('x'));
  t.notOk(compileGlob('[').matches(''));
  t.ok(compileGlob('a[!').matches('ab'));
  t.ok(compileGlob('a[\\').matches('ab'), 'C mailfront crashes on this one');
  t.ok(compileGlob('a[b]*[c').matches('abq'));
  t.notOk(compileGlob('a[b]*[c').matches('ab'));
  t.notOk(compileGlob('x*[c').matches('y'));
});

t.test('glob: hostile patterns and addresses take linear-ish time', async (t) => {
  const text = 'a'.repeat(5000);
  const pattern = '*a'.repeat(200) + 'b';
  const started = process.hrtime.bigint();
  t.notOk(compileGlob(pattern).matches(text));
  t.ok(compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*a').matches(text));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.ok(ms < 2000, 'no exponential backtracking');
});

t.test('fields: colons split, escaped ones do not, ENV takes the rest', async (t) => {
  t.same(splitFields('*:*:a\\:b:10:@rc:A=1:B=2'), ['*', '*', 'a\\:b', '10', '@rc', 'A=1:B=2']);
  t.same(splitFields('x'), ['x']);
  t.same(splitFields('a\\\\:b'), ['a\\\\', 'b']);
  t.same(splitEnvItems('A=1,B=a\\,b,,C'), ['A=1', 'B=a\\,b', '', 'C']);
});

t.test('fields: escapes', async (t) => {
  t.equal(decodeField('plain'), 'plain');
  t.equal(decodeField('a\\nb'), 'a\nb');
  t.equal(decodeField('a\\:b\\,c\\\\d\\qe'), 'a:b,c\\dqe');
  t.equal(decodeField('ab\\'), 'ab', 'a backslash at the end is dropped');
  t.equal(decodeField('\\101\\1019'), 'AA9', 'octal escapes give their byte (2.12 gives NUL)');
  t.equal(decodeField('\\18b'), '\x018b', 'at most the octal digits');
  t.equal(decodeField('\\8'), '8');
  t.equal(decodeField('\\377'), '\xff');
  t.throws(() => decodeField('a\\000'), FieldError);
  t.throws(() => decodeField('a\\0'), /NUL/);
  t.throws(() => decodeField('\\777'), /over/);
});

const fakeList: AddressList = { has: (k) => k === 'listed@example.com', close() {} };

function parse(text: string, extra: Partial<ParseOptions> = {}) {
  const warnings: string[] = [];
  const opened: string[] = [];
  const rules = parseRules(text, {
    file: 'rules',
    openList: (name) => (opened.push(name), fakeList),
    warn: (m) => warnings.push(m),
    ...extra,
  });
  return { rules, warnings, opened };
}

t.test('rules file: lists by selector, or by a recipient pattern of * before any selector', async (t) => {
  const { rules, warnings } = parse('  k*:*:one  \r\nk*:x\nk*:\\*\nk*:!*\nk\n:sender\nd*:y\n:r\nzq\n# comment\n\nnlast');
  t.same(
    rules.sender.map((r) => r.response ?? r.code),
    ['one', 'k', 'k', 'd'],
  );
  t.same(
    rules.recipient.map((r) => r.recipient.text + '/' + r.code),
    ['x/k', '/k', '/z', '/n'],
  );
  t.same(warnings, []);
});

t.test('rules file: every field', async (t) => {
  const { rules } = parse('k!!a*:![[@domains]]:Hi\\nthere:20:@rc:A=1,B=x\\,y,,C=');
  const rule = rules.recipient[0]!;
  t.equal(rule.sender.negated, false);
  t.equal(rule.recipient.negated, true);
  t.equal(rule.recipient.list?.byDomain, true);
  t.equal(rule.response, 'Hi\nthere');
  t.equal(rule.databytes, 20);
  t.equal(rule.relayclient, '@rc');
  t.same(rule.env, [['A', '1'], ['B', 'x,y'], ['C', '']]);
  t.equal(rule.where, 'rules:1');
});

t.test('rules file: list patterns need more than [[x]]', async (t) => {
  const { rules, opened } = parse(':s\nk[[x]]\nk[[xy]]\nk\\[[zz]]\nk[[@]]\nk[[@d]]');
  t.same(opened, ['xy', 'zz', 'd']);
  t.same(
    rules.sender.map((r) => (r.sender.list ? 'list' : 'glob')),
    ['glob', 'list', 'list', 'glob', 'list'],
  );
});

t.test('rules file: databytes', async (t) => {
  t.equal(parse('k*:*::0').rules.sender[0]!.databytes, 0);
  t.equal(parse('k*:*::99999999999999999999').rules.sender[0]!.databytes, Number.MAX_SAFE_INTEGER);
  for (const bad of [' 10', '10x', '-1']) {
    t.throws(() => parse(`k*:*::${bad}`), { name: 'RulesError', problem: 'syntax', message: /rules:1: the databytes field/ });
  }
});

t.test('rules file: syntax errors name the line', async (t) => {
  for (const sel of [':', ':S', ': sender', ':x']) {
    t.throws(() => parse(`k*:*\n${sel}\n`), { problem: 'syntax', where: 'rules:2', message: /unknown selector/ });
  }
  t.throws(() => parse('\n\nk*:*:\\000'), { name: 'RulesError', problem: 'syntax', where: 'rules:3' });
  t.throws(() => parse('k' + 'x'.repeat(70000)), /longer than/);
  const err = new RulesError('list', 'f:1', 'cannot read');
  t.equal(err.message, 'f:1: cannot read');
});

t.test('rules file: a list that cannot be read', async (t) => {
  const { ListError } = await import('../src/plugins/mailrules/lists.js');
  t.throws(
    () =>
      parse('k*:[[nosuch]]', {
        openList: () => {
          throw new ListError('cannot read the list nosuch: No such file or directory');
        },
      }),
    { problem: 'list', message: 'rules:1: cannot read the list nosuch: No such file or directory' },
  );
  t.throws(
    () =>
      parse('k*:[[boom]]', {
        openList: () => {
          throw new TypeError('bug');
        },
      }),
    TypeError,
  );
});

t.test('rules file: warnings for what mailfront 2.12 ignores silently', async (t) => {
  const { rules, warnings } = parse('D*:*\nx\nk*:*::::NOEQUALS,=x,OK=1\n:r\n&a*:*:text\nkb*:c\n&*:*');
  t.equal(rules.recipient.length, 3);
  t.same(warnings, [
    'rules:1: unknown rule code "D", line ignored (codes: k K d z p n &)',
    'rules:2: unknown rule code "x", line ignored (codes: k K d z p n &)',
    'rules:3: environment item "NOEQUALS" is not NAME=VALUE, ignored',
    'rules:3: environment item "=x" is not NAME=VALUE, ignored',
    'rules:5: an "&" rule only adds its patterns; its other fields are ignored',
    'rules:7: no rule follows this "&" rule among the recipient rules, so it never applies',
  ]);
});
