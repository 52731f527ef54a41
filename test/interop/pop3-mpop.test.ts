// mpop, a real POP3 client, downloads and deletes mail from
// mailfront-pop3d under the real tcpserver on 127.0.0.1: in plaintext
// (USER/PASS), after STLS (SASL PLAIN, with AUTH_REQUIRES_TLS) and over
// POP3S (TLS_IMMEDIATE), delivering to a Maildir or an mbox. The messages
// it saved are the ones stored, byte for byte, and the server's Maildir is
// empty afterwards.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, run, scratchDir, startUcspiServer, testCertificate, waitFor } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';
import { maildirFiles, MESSAGES, pop3Fixture } from '../diff/pop3-fixture.js';

interface Variant {
  name: string;
  /** The server's settings on top of the CVM's. */
  env: (certFile: string) => Record<string, string>;
  /** The account's lines in mpop's configuration. */
  config: string[];
  delivery: 'maildir' | 'mbox';
  /** How the server's log shows the login. */
  login: RegExp;
}

const VARIANTS: Variant[] = [
  // mpop sends no password in plaintext unless told to.
  { name: 'plaintext, USER/PASS', env: () => ({}), config: ['tls off', 'auth user'], delivery: 'maildir', login: /PASS username=testuser/ },
  {
    name: 'STLS, SASL PLAIN, AUTH_REQUIRES_TLS',
    env: (certFile) => ({ TLS_CERTFILE: certFile, AUTH_REQUIRES_TLS: '1', CVM_SASL_PLAIN: bundle('cvm-pwfile') }),
    config: ['tls on', 'tls_starttls on', 'tls_certcheck off'],
    delivery: 'maildir',
    login: /STLS\n.*\+OK Begin TLS negotiation\n.*TLS TLSv1\.[23] [\s\S]*SASL AUTH PLAIN username=testuser/,
  },
  {
    name: 'POP3S (TLS_IMMEDIATE), mbox',
    env: (certFile) => ({ TLS_CERTFILE: certFile, TLS_IMMEDIATE: '1' }),
    config: ['tls on', 'tls_starttls off', 'tls_certcheck off', 'auth user'],
    delivery: 'mbox',
    login: /TLS TLSv1\.[23] [\s\S]*PASS username=testuser/,
  },
];

const STORED = Object.values(MESSAGES).sort();

t.test('mpop downloads and deletes through tcpserver', async (t) => {
  const c = requireOracles(t, ['mpop', 'tcpserver']);
  if (!c) return;
  const cert = testCertificate(t, 'mx.test');
  for (const variant of VARIANTS) {
    await t.test(variant.name, async (t) => {
      const f = pop3Fixture(t, process.getuid!(), process.getgid!());
      const server = await startUcspiServer({
        server: c.tcpserver,
        program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
        env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, ...variant.env(cert.bothFile) },
      });
      t.teardown(() => server.stop());

      const client = scratchDir(t, 'mpop-');
      const target = join(client, variant.delivery === 'maildir' ? 'Maildir' : 'mbox');
      if (variant.delivery === 'maildir') for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(target, sub), { recursive: true });
      const rc = join(client, 'mpoprc');
      const config = [
        'account test',
        'host 127.0.0.1',
        `port ${server.port}`,
        'timeout 20',
        'user testuser',
        'password testpass',
        ...variant.config,
        `delivery ${variant.delivery} ${target}`,
        `uidls_file ${join(client, 'uidls')}`,
        'keep off',
        // The messages as the server stored them, without mpop's Received line.
        'received_header off',
      ];
      // mpop refuses a configuration with a password that others can read.
      writeFileSync(rc, config.join('\n') + '\n', { mode: 0o600 });

      const r = await run(c.mpop, ['-C', rc, 'test'], { env: { PATH: process.env.PATH, HOME: client }, timeoutMs: 30_000 });
      t.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      t.match(r.stdout.toString(), /new: 3 messages in 121 bytes/);
      if (variant.delivery === 'maildir') {
        const saved = readdirSync(join(target, 'new')).map((n) => readFileSync(join(target, 'new', n), 'latin1'));
        t.same(saved.sort(), STORED, 'each message as stored: unstuffed, no added line');
      } else {
        const mbox = readFileSync(target, 'latin1');
        t.equal(mbox.match(/^From /gm)?.length, 3, 'three messages in the mbox');
        for (const message of STORED) t.ok(mbox.includes(`\n${message}`), JSON.stringify(message.slice(0, 14)));
      }
      t.same(maildirFiles(f.maildir), [], "the server's Maildir is empty");
      // The log is written asynchronously: mpop may be done before the server's last line is out.
      await waitFor('the server to log the QUIT', () => /mailfront-pop3d\[\d+\]: QUIT\n/.test(server.log()));
      t.match(server.log(), variant.login);
    });
  }
});
