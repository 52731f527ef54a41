// The patterns file format and the line scanner, without a session.
import t from 'tap';
import { LineScanner } from '../src/plugins/patterns/line-scanner.js';
import { parsePatterns, PATTERN_MAX_LENGTH, type Pattern } from '../src/plugins/patterns/patterns-file.js';

function load(text: string) {
  const warnings: string[] = [];
  return { patterns: parsePatterns(text, (m) => warnings.push(m)), warnings };
}

const scanAll = (patterns: Pattern[], blocks: string[], lineMax = 256) => {
  const scanner = new LineScanner(patterns, lineMax);
  for (const block of blocks) {
    const found = scanner.scan(block);
    if (found) return found;
  }
  return scanner.finish();
};

t.test('file format: markers, responses, comments, trailing blanks', async (t) => {
  const { patterns } = load('# patterns file\n=We do not accept executables (#5.3.4)\n\\TVqQAAMAA*\n=Spam phrase\n:Subject:*viagra*  \r\n/*forbidden*\n*bare*\n\n=\nx\n');
  t.same(
    patterns.map((p) => [p.scope, p.glob.source, p.response]),
    [
      ['after-blank', 'TVqQAAMAA*', 'We do not accept executables (#5.3.4)'],
      ['header', 'Subject:*viagra*', 'Spam phrase'],
      ['normal', '*forbidden*', 'Spam phrase'],
      ['normal', '*bare*', 'Spam phrase'],
      ['normal', 'x', ''],
    ],
  );
  const first = load('/x\n=later\n/y').patterns;
  t.equal(first[0]!.response, undefined, 'before any = line: PATTERNS_RESP or the default');
});

t.test('file format: over-long pattern lines are ignored with a warning', async (t) => {
  const { patterns, warnings } = load('/' + 'x'.repeat(PATTERN_MAX_LENGTH + 1) + '\n/ok');
  t.equal(patterns.length, 1);
  t.same(warnings, [`line 1 is longer than ${PATTERN_MAX_LENGTH} bytes, ignored`]);
});

t.test('modes: header, after-blank, normal; empty lines never checked', async (t) => {
  const { patterns } = load(':H*\n\\A*\n/N*\n');
  const hit = (blocks: string[]) => scanAll(patterns, blocks)?.glob.source;
  t.equal(hit(['Hx\n']), 'H*');
  t.equal(hit(['x\n\nHx\n']), undefined, 'header patterns stop at the first empty line');
  t.equal(hit(['Ax\n']), undefined, 'the first line of a message is a header line');
  t.equal(hit(['\nAx\n']), 'A*', 'a message that starts with an empty line');
  t.equal(hit(['h\n\nb\nAx\n']), undefined, 'only the first line after the blank');
  t.equal(hit(['h\n\nb\n\n\n\nAx\n']), 'A*', 'every empty line starts again');
  t.equal(hit(['h\n \nAx\n']), undefined, 'a blank is not empty');
  t.equal(hit(['h\n\nb\nNx\n']), 'N*', 'normal patterns apply everywhere');
  t.equal(hit(['Nx\n']), 'N*');
  const empty = load('/\n/*\n').patterns;
  t.equal(scanAll(empty, ['\n\n'])?.glob.source, undefined);
  t.equal(scanAll(empty, ['a\n'])?.glob.source, '*');
});

t.test('lines across blocks, CR kept, the last line without LF is checked', async (t) => {
  const { patterns } = load('/abcdef\n/x\r\n/tail\n');
  t.equal(scanAll(patterns, ['h\n\nab', 'cd', 'ef\n'])?.glob.source, 'abcdef');
  t.equal(scanAll(patterns, ['x\r\n']), undefined, 'the CR is part of the line');
  t.equal(scanAll(patterns, ['h\n\ntail'])?.glob.source, 'tail');
  t.equal(scanAll(patterns, ['h\n\n'])?.glob.source, undefined);
});

t.test('LINEMAX: only the first bytes of a line are kept and checked', async (t) => {
  const { patterns } = load('/abcde\n/fghij\n');
  t.equal(scanAll(patterns, ['a\nabcdefghij\n'], 5)?.glob.source, 'abcde');
  t.equal(scanAll(patterns, ['a\nab', 'cdefghij\n'], 5)?.glob.source, 'abcde');
  t.equal(scanAll(load('/abcd\n').patterns, ['a\nabcdefghij\n'], 5), undefined);
  const scanner = new LineScanner(load('/*z\n').patterns, 8);
  for (let i = 0; i < 1000; i++) scanner.scan('y'.repeat(1000));
  t.equal(scanner.finish(), undefined, 'a huge line costs no memory and matches on its start only');
});

t.test('the first matching pattern in file order wins', async (t) => {
  const { patterns } = load('=one\n/*a*\n=two\n/*b*\n');
  t.equal(scanAll(patterns, ['ba\n'])?.response, 'one');
  t.equal(scanAll(patterns, ['bb\n'])?.response, 'two');
});
