import t from 'tap';
import { compileTcprules, expandAddress, parseInstructions } from '../src/tcprules.js';
import { formatProblem, Problems } from '../src/problems.js';

function compile(text: string) {
  const problems = new Problems();
  const records = compileTcprules(text, 'rules', problems);
  return {
    dump: records.map(([k, v]) => `${k.toString('latin1')}->${v.toString('latin1').replace(/\0/g, '^@')}`),
    problems: problems.list.map((p) => `${p.severity} ${formatProblem(p)}`),
  };
}

t.test('the encoding of tcprules', async (t) => {
  const r = compile(
    [
      '# comment',
      '   # indented comment',
      '',
      '127.0.0.1:allow,RELAYCLIENT="",TCPLOCALHOST="movie.edu"  \t',
      '10.0.:allow,RELAYCLIENT="@fix.me"',
      '1.2.3.37-39:deny',
      '10.2-3.:allow,RBLSMTPD="-go away",X=/a,b/',
      'joe@127.0.0.2:allow,X="1"',
      'joe@=mail.example.com:deny',
      '=mail.example.com:allow,SMTPAUTH=""',
      '=.example.net:deny',
      '=:allow',
      '1.2.3.5:deny,X="a"',
      '0-2.:deny',
      ':allow,RBLSMTPD=""',
    ].join('\n'),
  );
  t.same(r.problems, []);
  t.same(r.dump, [
    '127.0.0.1->+RELAYCLIENT=^@+TCPLOCALHOST=movie.edu^@',
    '10.0.->+RELAYCLIENT=@fix.me^@',
    '1.2.3.37->D^@',
    '1.2.3.38->D^@',
    '1.2.3.39->D^@',
    '10.2.->+RBLSMTPD=-go away^@+X=a,b^@',
    '10.3.->+RBLSMTPD=-go away^@+X=a,b^@',
    'joe@127.0.0.2->+X=1^@',
    'joe@=mail.example.com->D^@',
    '=mail.example.com->+SMTPAUTH=^@',
    '=.example.net->D^@',
    '=->',
    '1.2.3.5->D^@+X=a^@',
    '0.->D^@',
    '1.->D^@',
    '2.->D^@',
    '->+RBLSMTPD=^@',
  ]);
});

t.test('mistakes tcprules lets through are errors here; duplicates are warnings', async (t) => {
  const r = compile(
    [
      'nocolon',
      '10.0:allow',
      '1.2.3.07:allow',
      '1.2.3.9-5:allow',
      '1.2.3.250-300:allow',
      '1-2.3-4.:allow',
      '1.2.3.4:allowjunk',
      '1.2.3.4:permit',
      '1.2.3.4:allow,X',
      '1.2.3.4:allow,X="1',
      '1.2.3.4:allow,X=',
      '1.2.3.4:allow, X="1"',
      '1.2.3.4:allow,X="1"x',
      '1.2.3.4:allow\r',
      '1.2.3.4:allow,X="a\0b"',
      '=bad host:allow',
      '@1.2.3.4:allow',
      'joe@10.:allow',
      '1.2.3.4.5:allow',
      '1.2.3.4:allow',
      '1.2.3.3-4:deny',
    ].join('\n') + '\n',
  );
  t.same(r.dump, ['1.2.3.4->', '1.2.3.3->D^@', '1.2.3.4->D^@']);
  t.same(r.problems.map((p) => p.replace(/: .*/, '')), [
    'error rules:1',
    'error rules:2',
    'error rules:3',
    'error rules:4',
    'error rules:5',
    'error rules:6',
    'error rules:7',
    'error rules:8',
    'error rules:9',
    'error rules:10',
    'error rules:11',
    'error rules:12',
    'error rules:13',
    'error rules:14',
    'error rules:15',
    'error rules:16',
    'error rules:17',
    'error rules:18',
    'error rules:19',
    'warning rules:21',
  ]);
  t.match(r.problems[0], /no ":" in "nocolon" \(tcprules would skip this line silently\)/);
  t.match(r.problems[3], /the range 9-5 is empty/);
  t.match(r.problems[20 - 1], /address "1.2.3.4" was already given on line 20: tcpserver uses the first rule only/);
});

t.test('addresses and instructions', async (t) => {
  t.same(expandAddress(''), ['']);
  t.same(expandAddress('1.2.3.254-255'), ['1.2.3.254', '1.2.3.255']);
  t.equal(typeof expandAddress('1.2.3.x-5'), 'string');
  t.equal(typeof expandAddress('1.2.3.4-5-6'), 'string');
  t.equal(typeof expandAddress('joe@1.2.3.4-5'), 'string', 'no ranges after USER@, as in tcprules');
  t.same(parseInstructions('deny'), Buffer.from('D\0'));
  t.same(parseInstructions('allow,A=::,B="x"'), Buffer.from('+A=\0+B=x\0'));
  t.equal(parseInstructions('allow,A=x'), 'the value of A has no closing "x"');
  t.equal(parseInstructions('deny,X="1",'), 'a variable needs NAME=<q>value<q>');
  t.equal(parseInstructions('deny,1X="1"'), 'bad variable name "1X"');
});
