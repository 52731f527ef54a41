// The mailauth plugin against independent implementations: Python's dkimpy
// signs (RSA and Ed25519, RFC 8463) and sends through smtplib to our
// mailfront-smtpd run by the real tcpsvd; the Authentication-Results header
// we queue is then read back by python3-authres, an RFC 8601 parser that is
// not ours. DNS is a server the test starts on 127.0.0.1.
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, run, scratchDir, startDnsServer, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpsvd', 'python3']);

const SIGN_AND_SEND = `
import base64, dkim, smtplib, sys
port, rsa_key, ed_seed = int(sys.argv[1]), open(sys.argv[2], 'rb').read(), sys.argv[3].encode()
msg = (b"From: Sender <a@good.test>\\r\\nTo: b@example.org\\r\\nSubject: from dkimpy\\r\\n"
       b"Message-ID: <1@good.test>\\r\\n\\r\\nHello from dkimpy.\\r\\n.a dot line\\r\\n")
heads = [b'from', b'to', b'subject', b'message-id']
rsa = dkim.sign(msg, b'py', b'good.test', rsa_key, canonicalize=(b'relaxed', b'simple'), include_headers=heads)
ed = dkim.sign(msg, b'ed', b'good.test', ed_seed, signature_algorithm=b'ed25519-sha256', canonicalize=(b'relaxed', b'relaxed'), include_headers=heads)
with smtplib.SMTP('127.0.0.1', port, timeout=30) as s:
    s.ehlo('python.client')
    s.sendmail('bounce@good.test', ['b@example.org'], ed + rsa + msg)
    # The same message changed after signing: both signatures must fail.
    s.sendmail('bounce@good.test', ['b@example.org'], ed + rsa + msg.replace(b'Hello', b'Hullo'))
print('sent')
`;

const PARSE_RESULTS = `
import authres, json, sys
out = []
for field in sys.argv[1:]:
    h = authres.AuthenticationResultsHeader.parse(field)
    out.append({'id': h.authserv_id, 'results': [
        {'method': r.method, 'result': r.result, 'props': {f'{p.type}.{p.name}': p.value for p in r.properties}}
        for r in h.results]})
print(json.dumps(out))
`;

interface Parsed {
  id: string;
  results: Array<{ method: string; result: string; props: Record<string, string> }>;
}

if (oracles) {
  t.test('dkimpy signs, our plugin verifies, authres reads our header', async (t) => {
    const modules = await run(oracles.python3, ['-c', 'import dkim, authres']);
    if (modules.status !== 0) {
      if (process.env.CI) t.fail('python3-dkim and python3-authres are needed (.ci/run installs them)');
      else t.pass('python3-dkim or python3-authres missing', { skip: 'apt-get install python3-dkim python3-authres' });
      return;
    }
    const dir = scratchDir(t);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaKey = join(dir, 'rsa.pem');
    writeFileSync(rsaKey, rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const ed = generateKeyPairSync('ed25519');
    const edJwk = ed.privateKey.export({ format: 'jwk' });
    const b64 = (url: string) => Buffer.from(url, 'base64url').toString('base64');
    const dns = await startDnsServer({
      'good.test': { txt: ['v=spf1 ip4:127.0.0.1 -all'] },
      '_dmarc.good.test': { txt: ['v=DMARC1; p=reject'] },
      'py._domainkey.good.test': { txt: [`v=DKIM1; k=rsa; p=${rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`] },
      'ed._domainkey.good.test': { txt: [`v=DKIM1; k=ed25519; p=${b64(edJwk.x!)}`] },
    });
    t.teardown(() => dns.stop());
    const queue = join(dir, 'queue');
    for (const sub of ['', 'tmp', 'new']) mkdirSync(join(queue, sub));
    const server = await startUcspiServer({
      server: oracles.tcpsvd,
      program: [process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'mailauth', 'add-received', 'accept'],
      env: { PATH: process.env.PATH, QUEUEDIR: queue, QUEUEDIR_NOSYNC: '1', DNSCACHEIP: dns.address, MAILAUTH_AUTHSERV_ID: 'mx.test' },
    });
    t.teardown(() => server.stop());

    const sent = await run(oracles.python3, ['-c', SIGN_AND_SEND, String(server.port), rsaKey, b64(edJwk.d!)], { timeoutMs: 60_000 });
    t.equal(sent.status, 0, sent.stderr.toString());
    const files = readdirSync(join(queue, 'new')).map((f) => readFileSync(join(queue, 'new', f), 'utf8'));
    t.equal(files.length, 2);
    // The intact message first, then the changed one.
    const queued = [files.find((q) => q.includes('Hello from'))!, files.find((q) => q.includes('Hullo from'))!];
    const fields = queued.map((q) => /\0\0(Authentication-Results: [^\n]*(?:\n[ \t][^\n]*)*)/.exec(q)![1]!.replace(/\n(?=[ \t])/g, ''));
    const parsed = await run(oracles.python3, ['-c', PARSE_RESULTS, ...fields]);
    t.equal(parsed.status, 0, `authres parses our headers: ${parsed.stderr.toString()}`);
    const [good, changed] = JSON.parse(parsed.stdout.toString()) as Parsed[];
    t.equal(good!.id, 'mx.test');
    const by = (p: Parsed, method: string) => p.results.filter((r) => r.method === method);
    t.same(by(good!, 'spf').map((r) => [r.result, r.props['smtp.mailfrom']]), [['pass', 'good.test']]);
    t.same(
      by(good!, 'dkim').map((r) => [r.result, r.props['header.s'], r.props['header.a']]).sort(),
      [
        ['pass', 'ed', 'ed25519-sha256'],
        ['pass', 'py', 'rsa-sha256'],
      ],
      'both signatures of dkimpy verify',
    );
    t.same(by(good!, 'dmarc').map((r) => [r.result, r.props['header.from']]), [['pass', 'good.test']]);
    t.same(by(good!, 'arc').map((r) => r.result), ['none']);
    t.same(by(changed!, 'dkim').map((r) => r.result), ['neutral', 'neutral'], 'a changed body fails both (body hash did not verify)');
    t.match(queued[0]!, /\nSubject: from dkimpy\nMessage-ID: <1@good\.test>\n\nHello from dkimpy\.\n\.a dot line\n$/);
  });
}
