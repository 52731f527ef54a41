// The extensions mailfront lacks, with real clients, through the real
// tcpsvd: SMTPUTF8 with Python's smtplib, BDAT from a raw client that
// pipelines its chunks (neither smtplib nor swaks speaks BDAT), and swaks,
// which sees CHUNKING and SMTPUTF8 offered and goes on with DATA.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findTool, requireOracles, run, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpsvd', 'swaks', 'python3']);
const python = findTool('python3');

function queue(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  return { dir, files: () => readdirSync(join(dir, 'new')).sort().map((n) => readFileSync(join(dir, 'new', n))) };
}

async function server(t: { teardown(fn: () => Promise<void> | void): void }, plugins: string[], env: Record<string, string> = {}) {
  const q = queue(t);
  const s = await startUcspiServer({
    server: oracles!.tcpsvd,
    program: [process.execPath, bundle('mailfront-smtpd'), 'queuedir', ...plugins],
    env: { PATH: process.env.PATH, QUEUEDIR: q.dir, ...env },
  });
  t.teardown(() => s.stop());
  return { ...q, port: s.port };
}

/** Writes everything at once, reads until the server closes; returns the replies. */
function rawSession(port: number, input: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (b: Buffer) => chunks.push(b));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1').split('\r\n').filter(Boolean)));
    socket.end(input);
  });
}

const SMTPUTF8_CLIENT = `
import smtplib, sys
from email.message import EmailMessage
port = int(sys.argv[1])
with smtplib.SMTP('127.0.0.1', port, timeout=20) as s:
    s.ehlo('python.client')
    assert s.has_extn('smtputf8') and s.has_extn('8bitmime') and s.has_extn('chunking'), s.esmtp_features
    # sendmail with the parameter by hand
    s.sendmail('jörg@bücher.example', ['ñandú@español.example'], 'Subject: one\\r\\n\\r\\nhola\\r\\n'.encode(), mail_options=['SMTPUTF8'])
    # send_message adds SMTPUTF8 and BODY=8BITMIME itself for an international message
    m = EmailMessage()
    m['From'] = 'jörg@bücher.example'
    m['To'] = '用户@例え.テスト'
    m['Subject'] = '¡Grüße!'
    m.set_content('ünïcödé body')
    s.send_message(m)
    try:
        s.sendmail('a@example.com', ['b\\udcff@example.org'.encode('utf-8', 'surrogateescape').decode('latin1')], b'x')
    except smtplib.SMTPRecipientsRefused as e:
        print('refused', list(e.recipients.values())[0][0])
print('ok')
`;

if (oracles && python) {
  t.test('smtplib sends SMTPUTF8 mail; the envelope and headers arrive in UTF-8', async (t) => {
    const q = await server(t, ['add-received', 'accept']);
    const py = await run(python, ['-c', SMTPUTF8_CLIENT, String(q.port)]);
    t.equal(py.status, 0, py.stderr.toString());
    t.equal(py.stdout.toString(), 'refused 553\nok\n', 'a non-ASCII recipient without SMTPUTF8 gets 553');
    const files = q.files().map((f) => f.toString('utf8'));
    t.equal(files.length, 2);
    const one = files.find((f) => f.includes('ñandú'))!;
    t.match(one, /^jörg@bücher\.example\0ñandú@español\.example\0\0Received: from python\.client \(\[127\.0\.0\.1\]\)\n  by mx\.test \(\[127\.0\.0\.1\]\)\n  with UTF8SMTP via TCP; /);
    const two = files.find((f) => f.includes('用户'))!;
    t.match(two, /\nSubject: ¡Grüße!\n/, 'RFC 6532 UTF-8 header passes unchanged');
    t.match(two, /\nünïcödé body\n/);
  });
}

if (oracles) {
  t.test('BDAT from a raw client: pipelined chunks, byte-exact delivery, errors mid-chunk, mixed with DATA', async (t) => {
    // normalize: the binary block holds a bare CR, which the default policy (reject-cr) refuses.
    const q = await server(t, ['counters', 'accept'], { DATABYTES: '100000', SMTP_BARE_NEWLINE: 'normalize' });
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bdat = (bytes: Buffer | string, last = false) => {
      const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      return Buffer.concat([Buffer.from(`BDAT ${b.length}${last ? ' LAST' : ''}\r\n`), b]);
    };
    const envelope = (n: number) => `MAIL FROM:<s${n}@example.com>\r\nRCPT TO:<r${n}@example.org>\r\n`;
    const input = Buffer.concat([
      Buffer.from('EHLO raw.client\r\n' + envelope(1)),
      bdat('Subject: binary\r\n\r\n.\r'),
      bdat(Buffer.concat([Buffer.from('\n'), binary])),
      bdat('\r\n..end\r\n', true),
      Buffer.from(envelope(2)),
      bdat('', true),
      Buffer.from(envelope(3)),
      bdat('x'.repeat(100_001)),
      bdat('QUIT\r\n', true),
      Buffer.from(envelope(4)),
      bdat('part\r\n'),
      Buffer.from('DATA\r\nRSET\r\n' + envelope(5) + 'DATA\r\nby DATA\r\n.\r\nQUIT\r\n'),
    ]);
    const replies = (await rawSession(q.port, input)).filter((l) => !l.startsWith('250-'));
    t.same(replies.slice(2), [
      "250 2.1.0 Sender accepted.", '250 2.1.5 Recipient accepted.',
      '250 2.0.0 21 bytes received.', '250 2.0.0 257 bytes received.', '250 2.6.0 Message accepted.',
      "250 2.1.0 Sender accepted.", '250 2.1.5 Recipient accepted.', '250 2.6.0 Message accepted.',
      "250 2.1.0 Sender accepted.", '250 2.1.5 Recipient accepted.',
      '552 5.2.3 Sorry, that message exceeds the maximum message length.',
      '552 5.2.3 Sorry, that message exceeds the maximum message length.',
      "250 2.1.0 Sender accepted.", '250 2.1.5 Recipient accepted.', '250 2.0.0 6 bytes received.',
      '503 5.5.1 A BDAT message is in progress: send BDAT LAST or RSET first.', '250 2.3.0 OK',
      "250 2.1.0 Sender accepted.", '250 2.1.5 Recipient accepted.', '354 End your message with a period on a line by itself.', '250 2.6.0 Message accepted.',
      '221 2.0.0 Good bye.',
    ]);
    const files = q.files();
    t.equal(files.length, 3, 'two BDAT messages and one DATA message; nothing of the refused or reset ones');
    const expected = Buffer.concat([Buffer.from('s1@example.com\0r1@example.org\0\0Subject: binary\n\n.\n'), binary, Buffer.from('\n..end\n')]);
    t.same(files.find((f) => f.includes('s1@example.com')), expected, 'every byte as sent, CR LF as LF, no dot-unstuffing');
    t.same(files.find((f) => f.includes('s2@example.com')), Buffer.from('s2@example.com\0r2@example.org\0\0'), 'BDAT 0 LAST: an empty message');
  });

  t.test('swaks sees CHUNKING and SMTPUTF8 offered and sends with DATA; a UTF-8 address without SMTPUTF8 is refused', async (t) => {
    const q = await server(t, ['accept']);
    const ok = await run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(q.port), '--pipeline', '--from', 'a@example.com', '--to', 'b@example.org', '--body', 'via swaks']);
    t.equal(ok.status, 0, ok.stdout.toString());
    t.match(ok.stdout.toString(), /<- +250-CHUNKING\n<- +250-SMTPUTF8\n/);
    t.match(ok.stdout.toString(), /<- +250 2\.6\.0 Message accepted\./);
    const utf8 = await run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(q.port), '--from', 'jörg@example.com', '--to', 'b@example.org']);
    t.not(utf8.status, 0);
    t.match(utf8.stdout.toString(), /<\*\* +550 5\.6\.7 Non-ASCII addresses need the SMTPUTF8 parameter\./);
    t.equal(q.files().length, 1);
  });
}
