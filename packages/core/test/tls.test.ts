import t from 'tap';
import { Duplex, PassThrough } from 'node:stream';
import { connect } from 'node:tls';
import { testCertificate, waitFor } from '@mailfront/testkit';
import { ByteInput } from '../src/input.js';
import { readLine } from '../src/line-reader.js';
import { Output } from '../src/output.js';
import { startTls, tlsSettingsFromEnv } from '../src/tls.js';

const cert = testCertificate(t);

/** Server-side stdin/stdout pipes and a client duplex on their other ends. */
function wire() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const client = Duplex.from({ readable: stdout, writable: stdin });
  client.on('error', () => {});
  return { stdin, stdout, client };
}

t.test('settings: off without TLS_CERTFILE; key in the cert file or apart; errors name the variable', async (t) => {
  t.equal(tlsSettingsFromEnv({}), undefined);
  t.equal(tlsSettingsFromEnv({ TLS_CERTFILE: '' }), undefined);
  t.ok(tlsSettingsFromEnv({ TLS_CERTFILE: cert.bothFile }));
  t.ok(tlsSettingsFromEnv({ TLS_CERTFILE: cert.certFile, TLS_KEYFILE: cert.keyFile }));
  t.throws(() => tlsSettingsFromEnv({ TLS_CERTFILE: '/nonexistent.pem' }), { name: 'ConfigError', variable: 'TLS_CERTFILE' });
  t.throws(() => tlsSettingsFromEnv({ TLS_CERTFILE: cert.certFile, TLS_KEYFILE: '/nonexistent' }), { name: 'ConfigError', variable: 'TLS_KEYFILE' });
  t.throws(() => tlsSettingsFromEnv({ TLS_CERTFILE: cert.certFile }), { name: 'ConfigError', message: /usable certificate and key/ }, 'no key anywhere');
  t.throws(() => tlsSettingsFromEnv({ TLS_CERTFILE: cert.bothFile, TLS_DH_PARAMS: '/nonexistent' }), { name: 'ConfigError', variable: 'TLS_DH_PARAMS' });
});

t.test('upgrade: pipelined plaintext is dropped, then lines flow encrypted both ways', async (t) => {
  const { stdin, stdout, client } = wire();
  const input = new ByteInput(stdin);
  const output = new Output(stdout);
  stdin.write('STARTTLS\r\nMAIL FROM:<injected@evil>\r\n');
  t.equal((await readLine(input, 100))!.bytes.toString(), 'STARTTLS');
  output.write('220 2.0.0 Ready to start TLS\r\n');
  const settings = tlsSettingsFromEnv({ TLS_CERTFILE: cert.bothFile })!;
  const upgrading = startTls(input, output, stdin, stdout, settings, { timeoutMs: 60_000 });
  // The client reads the go-ahead in plaintext, then starts TLS.
  const goAhead = await new Promise<string>((resolve) => stdout.once('readable', () => resolve(stdout.read().toString())));
  t.equal(goAhead, '220 2.0.0 Ready to start TLS\r\n');
  const secure = connect({ socket: client, rejectUnauthorized: false, servername: 'mx.test' });
  secure.on('error', () => {}); // the AbortError of tearing down the test pipes
  const upgrade = await upgrading;
  t.equal(upgrade.discarded, 'MAIL FROM:<injected@evil>\r\n'.length);
  secure.write('EHLO inside\r\n');
  t.equal((await readLine(input, 100, 60_000))!.bytes.toString(), 'EHLO inside', 'the injected MAIL never shows up');
  output.write('250 welcome\r\n');
  const answer = await new Promise<string>((resolve) => secure.once('data', (b: Buffer) => resolve(b.toString())));
  t.equal(answer, '250 welcome\r\n');
  secure.destroy();
  upgrade.socket.destroy();
});

t.test('a failed or slow handshake rejects', async (t) => {
  const settings = tlsSettingsFromEnv({ TLS_CERTFILE: cert.bothFile })!;
  const bad = wire();
  const failing = startTls(new ByteInput(bad.stdin), new Output(bad.stdout), bad.stdin, bad.stdout, settings, { timeoutMs: 60_000 });
  bad.stdin.write('this is not a TLS client hello\r\n\r\n');
  await t.rejects(failing);
  const silent = wire();
  await t.rejects(startTls(new ByteInput(silent.stdin), new Output(silent.stdout), silent.stdin, silent.stdout, settings, { timeoutMs: 50 }), /timed out/);
  const closing = wire();
  const closed = startTls(new ByteInput(closing.stdin), new Output(closing.stdout), closing.stdin, closing.stdout, settings, { timeoutMs: 60_000 });
  closing.stdin.end();
  await t.rejects(closed);
});

t.test('implicit TLS keeps a ClientHello that arrived before the switch', async (t) => {
  const { stdin, stdout, client } = wire();
  const input = new ByteInput(stdin);
  const output = new Output(stdout);
  const secure = connect({ socket: client, rejectUnauthorized: false, servername: 'mx.test' });
  secure.on('error', () => {});
  // Let the ClientHello land in the server's buffer first.
  await waitFor('the ClientHello', () => input.pending > 0);
  const settings = tlsSettingsFromEnv({ TLS_CERTFILE: cert.bothFile })!;
  const upgrade = await startTls(input, output, stdin, stdout, settings, { timeoutMs: 60_000, implicit: true });
  t.equal(upgrade.discarded, 0);
  secure.write('QUIT\r\n');
  t.equal((await readLine(input, 100, 60_000))!.bytes.toString(), 'QUIT');
  secure.destroy();
  upgrade.socket.destroy();
});
