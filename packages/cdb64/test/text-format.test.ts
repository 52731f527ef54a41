import t from 'tap';
import { CdbError, CdbTextError, formatCdbRecord, formatCdbText, parseCdbText } from '../src/index.js';
import { randomRecords, TRICKY } from './helpers/records.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const parse = (s: string | Buffer) => [...parseCdbText(typeof s === 'string' ? latin1(s) : s)].map(([k, v]) => [k.toString('latin1'), v.toString('latin1')]);

t.test('format one record and a whole text', async (t) => {
  t.equal(formatCdbRecord('one', 'Hello').toString(), '+3,5:one->Hello\n');
  t.equal(formatCdbRecord('', '').toString(), '+0,0:->\n');
  t.same(formatCdbRecord(Buffer.from([0, 10]), 'x'), latin1('+2,1:\0\n->x\n'));
  t.equal(formatCdbText([['one', 'Hello'], ['', '']]).toString(), '+3,5:one->Hello\n+0,0:->\n\n');
  t.equal(formatCdbText([]).toString(), '\n', 'an empty database is just the final empty line');
});

t.test('parse', async (t) => {
  t.same(parse('+3,5:one->Hello\n+0,0:->\n\n'), [['one', 'Hello'], ['', '']]);
  t.same(parse('\n'), []);
  t.same(parse('+01,002:a->bc\n\n'), [['a', 'bc']], 'leading zeros, as cdbmake');
  t.same(parse('+4,5:a->b->->c\nd\n\n'), [['a->b', '->c\nd']], 'lengths, not separators, delimit key and data');
});

t.test('parse a Uint8Array; records are views into the input', async (t) => {
  const text = latin1('+1,1:a->b\n\n');
  const [[key]] = [...parseCdbText(new Uint8Array(text.buffer, text.byteOffset, text.length))] as [Buffer, Buffer][];
  text[5] = 0x7a;
  t.equal(key!.toString(), 'z');
});

t.test('format and parse round-trip any bytes', async (t) => {
  for (const records of [TRICKY, randomRecords(500, 1)]) {
    const text = formatCdbText(records);
    t.same([...parseCdbText(text)], records);
  }
});

t.test('strict errors name the offset', async (t) => {
  const bad: [string, number, RegExp][] = [
    ['', 0, /without the final empty line/],
    ['+1,1:a->b\n', 10, /without the final empty line/],
    ['+1,1:a->b\n\nmore', 11, /data after the final empty line/],
    ['+1,1:a->b\n\n\n', 11, /data after the final empty line/],
    ['-1,1:a->b\n\n', 0, /expected "\+"/],
    ['\r\n', 0, /expected "\+".*byte 0x0d/],
    ['+1;1:a->b\n\n', 2, /expected a digit or ","/],
    ['+x,1:a->b\n\n', 1, /found "x"/],
    ['+,1:a->b\n\n', 1, /expected a length before ","/],
    ['+1,:a->b\n\n', 3, /expected a length before ":"/],
    ['+1,1', 4, /input ends before ":"/],
    ['+1', 2, /input ends before ","/],
    ['+1,1:a-b\n\n', 6, /expected "->"/],
    ['+1,1:a=>b\n\n', 6, /expected "->"/],
    ['+1,1:a->bc\n\n', 9, /expected a newline/],
    ['+1,1:a->b\r\n\n', 9, /expected a newline/],
    ['+1,5:a->b\n\n', 5, /longer than the rest/],
    ['+1000000000000000,1:a->b\n\n', 1, /too many digits/],
    ['+999999999999999,1:a->b\n\n', 19, /longer than the rest/],
  ];
  for (const [input, offset, message] of bad) {
    try {
      parse(input);
      t.fail(`accepted ${JSON.stringify(input)}`);
    } catch (e) {
      t.type(e, CdbTextError);
      t.type(e, CdbError);
      t.equal((e as CdbTextError).offset, offset, `offset for ${JSON.stringify(input)}`);
      t.match((e as Error).message, message);
      t.match((e as Error).message, /^bad cdbmake input at byte \d+: /);
    }
  }
});

t.test('records before an error are still produced, lazily', async (t) => {
  const it = parseCdbText(latin1('+1,1:a->b\n+1,1:c-d\n\n'));
  t.same(it.next().value, [latin1('a'), latin1('b')]);
  t.throws(() => it.next(), CdbTextError);
});
