/**
 * A small mail world for the mailauth tests, all on a DNS server the test
 * starts on 127.0.0.1: sender domains with SPF, DKIM and DMARC records and
 * an ARC sealer, keys generated in the test, and messages signed and sealed
 * with them (by the mailauth library's own signer, as a real sender would).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dkimSign, sealMessage } from 'mailauth';
import { scratchDir, startDnsServer, type TestDnsServer } from '@mailfront/testkit';
import { CLIENT } from './dialog.js';

/** The client's address in every test (CLIENT's TCPREMOTEIP). */
export const CLIENT_IP = CLIENT.TCPREMOTEIP!;
export const AUTHSERV_ID = 'mx.example.com';

export interface Key {
  privateKey: string;
  /** The TXT record of the public key. */
  record: string;
}

export function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), record: `v=DKIM1; k=rsa; p=${der}` };
}

export interface World {
  dns: TestDnsServer;
  /** Signs for good.test with selector s1 (whose key is published). */
  goodKey: Key;
  /** The ARC sealer's key (arc.test, selector as1). */
  arcKey: Key;
}

/**
 * good.test: SPF allows the client, DKIM key s1, DMARC p=reject.
 * soft.test: SPF ~all. bad.test: SPF -all, DMARC p=reject.
 * quar.test: SPF -all, DMARC p=quarantine. broken.test: the SPF lookup fails (SERVFAIL).
 * nokey.test: signs with a selector that has no key. s2._domainkey.good.test: the key lookup fails.
 * dtemp.test: SPF allows the client, the DMARC lookup fails.
 */
export async function startWorld(): Promise<World> {
  const goodKey = newKey();
  const arcKey = newKey();
  const dns = await startDnsServer({
    'good.test': { txt: [`v=spf1 ip4:${CLIENT_IP} -all`], a: ['192.0.2.25'] },
    's1._domainkey.good.test': { txt: [goodKey.record] },
    '_dmarc.good.test': { txt: ['v=DMARC1; p=reject'] },
    'soft.test': { txt: ['v=spf1 ~all'] },
    'bad.test': { txt: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    '_dmarc.bad.test': { txt: ['v=DMARC1; p=reject'] },
    'quar.test': { txt: ['v=spf1 -all'] },
    '_dmarc.quar.test': { txt: ['v=DMARC1; p=quarantine'] },
    'broken.test': { fail: 'servfail' },
    'nokey.test': { txt: ['v=spf1 -all'] },
    'as1._domainkey.arc.test': { txt: [arcKey.record] },
    'helo.test': { txt: [`v=spf1 a:helo.test -all`], a: [CLIENT_IP] },
    's2._domainkey.good.test': { fail: 'servfail' },
    'dtemp.test': { txt: [`v=spf1 ip4:${CLIENT_IP} -all`] },
    '_dmarc.dtemp.test': { fail: 'servfail' },
  });
  return { dns, goodKey, arcKey };
}

/** CRLF lines, as a sender signs them. */
export const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

export function message(from: string, body = 'Hello.\n', extra = ''): string {
  return crlf(`${extra}From: Sender <${from}>\nTo: b@example.org\nSubject: test\nMessage-ID: <1@${from.split('@')[1]}>\n\n${body}`);
}

export async function signed(text: string, domain: string, selector: string, key: Key): Promise<string> {
  const r = await dkimSign(text, {
    signatureData: [{ signingDomain: domain, selector, privateKey: key.privateKey, canonicalization: 'relaxed/relaxed' }],
  } as Parameters<typeof dkimSign>[1]);
  if (r.errors.length > 0) throw r.errors[0]!.err;
  return r.signatures + text;
}

/** Seals the message as arc.test would, relaying it, with `results` as its ARC-Authentication-Results. */
export async function sealed(text: string, key: Key, results: string): Promise<string> {
  const seal = await sealMessage(text, { signingDomain: 'arc.test', selector: 'as1', privateKey: key.privateKey, authResults: results, cv: 'none' });
  return seal.toString() + text;
}

/** An SMTP session that sends `text` (dot-stuffed) from `sender`. */
export function session(sender: string, text: string, helo = 'client.example.net'): string {
  const body = text.replace(/\r\n\./g, '\r\n..').replace(/^\./, '..');
  return `EHLO ${helo}\r\nMAIL FROM:<${sender}>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n${body.endsWith('\r\n') ? body : body + '\r\n'}.\r\nQUIT\r\n`;
}

/** A queuedir for the queuedir backend; `messages()` reads what was queued (the message part, LF lines). */
export function queue(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const messages = () =>
    readdirSync(join(dir, 'new')).map((f) => {
      const raw = readFileSync(join(dir, 'new', f), 'utf8');
      return raw.slice(raw.indexOf('\0\0') + 2);
    });
  return { dir, messages };
}
