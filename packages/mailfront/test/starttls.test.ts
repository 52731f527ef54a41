import t from 'tap';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import { testCertificate } from '@mailfront/testkit';
import { runReceiver } from '../src/receiver.js';
import { smtp } from '../src/protocols/smtp/index.js';
import { CLIENT, dialog } from './helpers/dialog.js';

const cert = testCertificate(t);
const TLS_ENV = { ...CLIENT, TLS_CERTFILE: cert.bothFile };

/** Reads CRLF lines from a stream that changes under it (plaintext, then TLS). */
class Lines {
  #buffer = '';
  #waiters: Array<() => void> = [];
  constructor(stream: NodeJS.ReadableStream) {
    this.attach(stream);
  }
  attach(stream: NodeJS.ReadableStream): void {
    stream.on('data', (b: Buffer) => {
      this.#buffer += b.toString('latin1');
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  async line(): Promise<string> {
    for (;;) {
      const i = this.#buffer.indexOf('\r\n');
      if (i !== -1) {
        const l = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 2);
        return l;
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }
  async reply(): Promise<string[]> {
    const out = [await this.line()];
    while (/^\d{3}-/.test(out.at(-1)!)) out.push(await this.line());
    return out;
  }
}

/** A server session on in-memory pipes, and the client's ends of them. */
function session(env: Record<string, string>, args = ['echo', 'accept']) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const errs: Buffer[] = [];
  const stderr = new Writable({ write: (c: Buffer, _e, cb) => (errs.push(c), cb()) });
  const status = runReceiver(smtp, { program: 't', version: '0', description: '' }, args, env, { stdin, stdout, stderr });
  // One reader of stdout: plaintext lines first, then the bytes of the TLS layer.
  const plainText = new PassThrough();
  const tlsBytes = new PassThrough();
  let encrypted = false;
  stdout.on('data', (b: Buffer) => (encrypted ? tlsBytes : plainText).write(b));
  const plain = new Lines(plainText);
  const startTls = (): { secure: TLSSocket; lines: Lines } => {
    encrypted = true;
    const raw = Duplex.from({ readable: tlsBytes, writable: stdin });
    raw.on('error', () => {});
    const secure = connect({ socket: raw, rejectUnauthorized: false, servername: 'mx.test' });
    secure.on('error', () => {});
    return { secure, lines: new Lines(secure) };
  };
  return { stdin, plain, startTls, status, log: () => Buffer.concat(errs).toString() };
}

t.test('EHLO offers STARTTLS after PIPELINING only when a certificate is set', async (t) => {
  const on = await dialog(['echo'], 'EHLO c\r\nSTARTTLS now\r\nQUIT\r\n', TLS_ENV);
  t.same(on.replies.slice(1, 9), ['250-mx.example.com', '250-8BITMIME', '250-ENHANCEDSTATUSCODES', '250-CHUNKING', '250-SMTPUTF8', '250-PIPELINING', '250 STARTTLS', '501 5.5.2 Syntax error, no parameters allowed.']);
  const off = await dialog(['echo'], 'EHLO c\r\nSTARTTLS\r\nQUIT\r\n');
  t.equal(off.replies[6], '250 PIPELINING');
  t.equal(off.replies[7], '500 5.5.1 Not implemented.', 'without TLS it is an unknown command');
});

t.test('STARTTLS: commands pipelined ahead are dropped; state is reset; EHLO again', async (t) => {
  const s = session(TLS_ENV);
  t.same(await s.plain.reply(), ['220 mx.example.com mailfront ESMTP']);
  s.stdin.write('EHLO before\r\nMAIL FROM:<a@example.com>\r\n');
  await s.plain.reply();
  t.equal((await s.plain.reply())[0], "250 Sender='a@example.com'.");
  // The injection: a plaintext command in the same packet as STARTTLS.
  s.stdin.write('STARTTLS\r\nRCPT TO:<injected@example.org>\r\n');
  t.same(await s.plain.reply(), ['220 2.0.0 Ready to start TLS']);
  const { secure, lines } = s.startTls();
  secure.write('RCPT TO:<b@example.org>\r\n');
  t.same(await lines.reply(), ['503 5.5.1 You must send MAIL FROM: first'], 'the MAIL before TLS is forgotten, the injected RCPT never ran');
  secure.write('EHLO after\r\n');
  const ehlo = await lines.reply();
  t.notOk(ehlo.includes('250 STARTTLS') || ehlo.includes('250-STARTTLS'), 'not offered twice');
  secure.write('STARTTLS\r\nQUIT\r\n');
  t.same(await lines.reply(), ['500 5.5.1 Not implemented.']);
  t.same(await lines.reply(), ['221 2.0.0 Good bye.']);
  t.equal(await s.status, 0);
  t.match(s.log(), /Warning: discarded 32 bytes sent before the TLS handshake/);
  t.notMatch(s.log(), /injected/);
});

t.test('TLS_IMMEDIATE: the greeting comes over TLS', async (t) => {
  const s = session({ ...TLS_ENV, TLS_IMMEDIATE: '1' });
  const { secure, lines } = s.startTls();
  t.same(await lines.reply(), ['220 mx.example.com mailfront ESMTP']);
  secure.write('EHLO c\r\nQUIT\r\n');
  t.equal((await lines.reply()).at(-1), '250 PIPELINING');
  t.same(await lines.reply(), ['221 2.0.0 Good bye.']);
  t.equal(await s.status, 0);
});

t.test('a failed handshake ends the session with status 1', async (t) => {
  const s = session(TLS_ENV);
  await s.plain.reply();
  s.stdin.write('STARTTLS\r\n');
  t.same(await s.plain.reply(), ['220 2.0.0 Ready to start TLS']);
  s.stdin.write('this is no TLS client\r\n\r\n');
  t.equal(await s.status, 1);
  t.match(s.log(), /TLS handshake failed/);
});

t.test('a bad TLS setting stops start-up', async (t) => {
  const r = await dialog(['echo'], 'QUIT\r\n', { ...CLIENT, TLS_CERTFILE: '/nonexistent.pem' });
  t.same(r.replies, ['451 4.3.0 Mail server configuration error.']);
  t.match(r.log[0], /^Fatal: TLS_CERTFILE=/);
  const immediate = await dialog(['echo'], 'QUIT\r\n', { ...CLIENT, TLS_IMMEDIATE: '1' });
  t.equal(immediate.status, 1, 'TLS_IMMEDIATE without a certificate cannot serve');
});

t.test('AUTH_REQUIRES_TLS: AUTH appears only after STARTTLS', async (t) => {
  const s = session({ ...TLS_ENV, CVM_SASL_PLAIN: 'cvm-local:/nonexistent.sock', AUTH_REQUIRES_TLS: '1' }, ['echo', 'cvm-authenticate']);
  await s.plain.reply();
  s.stdin.write('EHLO before\r\n');
  const before = await s.plain.reply();
  t.notOk(before.some((l) => l.includes('AUTH')), 'no AUTH in plaintext');
  s.stdin.write('STARTTLS\r\n');
  t.same(await s.plain.reply(), ['220 2.0.0 Ready to start TLS']);
  const { secure, lines } = s.startTls();
  secure.write('EHLO after\r\nQUIT\r\n');
  t.ok((await lines.reply()).includes('250-AUTH LOGIN PLAIN'), 'AUTH offered under TLS');
  t.same(await lines.reply(), ['221 2.0.0 Good bye.']);
  t.equal(await s.status, 0);
});
