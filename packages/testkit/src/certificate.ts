/**
 * A self-signed certificate made at test time with the openssl command, for
 * TLS tests (STARTTLS, STLS, implicit TLS). Nothing secret is committed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { scratchDir, type Teardown } from './scratch.js';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** Certificate and key in one file, as TLS_CERTFILE alone allows. */
  bothFile: string;
}

export function testCertificate(t: Teardown, commonName = 'mx.test'): TestCertificate {
  const dir = scratchDir(t, 'mailfront-cert-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', `/CN=${commonName}`, '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  const bothFile = join(dir, 'both.pem');
  execFileSync('sh', ['-c', 'cat "$1" "$2" > "$3"', 'sh', certFile, keyFile, bothFile]);
  return { certFile, keyFile, bothFile };
}
