/**
 * A tiny authoritative DNS server on 127.0.0.1 for tests: it answers A,
 * AAAA, MX, PTR and TXT questions from a table the test controls and NXDOMAIN for
 * every name not in it (enough for DNSBL lookups and for SPF, DKIM, DMARC
 * and ARC). An entry can also fail (SERVFAIL, REFUSED), answer late or never
 * answer, so DNSBL clients can be tested against every outcome without any
 * outside DNS.
 *
 * UDP only, one question per message (what resolvers send); the question is
 * echoed exactly as received, so resolvers that randomise letter case are
 * answered correctly. Malformed messages are ignored.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { addressBytes } from './address-bytes.js';

export const DNS_TYPE_A = 1;
export const DNS_TYPE_PTR = 12;
export const DNS_TYPE_MX = 15;
export const DNS_TYPE_TXT = 16;
export const DNS_TYPE_AAAA = 28;

const CLASS_IN = 1;
const RCODE_NOERROR = 0;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;
const HEADER_SIZE = 12;
const TTL_SECONDS = 60;
/** A TXT character-string holds at most 255 bytes; longer texts are split. */
const TXT_CHUNK = 255;

/** What the server does for one name. */
export interface DnsAnswer {
  /** IPv4 addresses for A questions. */
  a?: string[];
  /** IPv6 addresses for AAAA questions. */
  aaaa?: string[];
  /** Mail exchangers for MX questions, most preferred first unless `priority` says otherwise. */
  mx?: Array<string | { exchange: string; priority: number }>;
  /** PTR records (host names) for reverse names such as `7.2.0.192.in-addr.arpa`. */
  ptr?: string[];
  /** TXT records: each one a text, or the character-strings of one record. */
  txt?: Array<string | Buffer | Array<string | Buffer>>;
  /** Fail every question for the name instead of answering; 'drop' never answers. */
  fail?: 'servfail' | 'refused' | 'drop';
  /** Answer this many milliseconds late. */
  delayMs?: number;
}

export interface DnsQuery {
  /** The name in lower case, without the final dot. */
  name: string;
  /** The question type: 1 for A, 16 for TXT, … */
  type: number;
}

export interface TestDnsServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as Resolver.setServers and DNSCACHEIP take it. */
  readonly address: string;
  /** Every question received, in order. */
  readonly queries: DnsQuery[];
  /** Adds or replaces the entry for a name (case-insensitive, no final dot). */
  set(name: string, answer: DnsAnswer): void;
  stop(): Promise<void>;
}

export interface DnsServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

interface Question {
  id: number;
  /** The flags word of the query: opcode and RD are copied into the answer. */
  flags: number;
  /** The question section exactly as received (name, type, class). */
  raw: Buffer;
  name: string;
  type: number;
}

/** Parses the first question of a query; undefined for anything malformed. */
export function parseQuestion(message: Buffer): Question | undefined {
  if (message.length < HEADER_SIZE) return undefined;
  const flags = message.readUInt16BE(2);
  if (flags & 0x8000 || message.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = HEADER_SIZE;
  for (;;) {
    const length = message[at];
    if (length === undefined || length > 63) return undefined; // compression is never used in questions
    at++;
    if (length === 0) break;
    if (at + length > message.length) return undefined;
    labels.push(message.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  const type = message.readUInt16BE(at);
  return {
    id: message.readUInt16BE(0),
    flags,
    raw: message.subarray(HEADER_SIZE, at + 4),
    name: labels.join('.').toLowerCase(),
    type,
  };
}

function header(q: Question, rcode: number, answers: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA, RA, and the response code.
  h.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(answers, 6);
  return h;
}

/** One answer record whose owner is the question's name (a pointer to offset 12). */
function record(type: number, data: Buffer): Buffer {
  const r = Buffer.alloc(12);
  r.writeUInt16BE(0xc00c, 0);
  r.writeUInt16BE(type, 2);
  r.writeUInt16BE(CLASS_IN, 4);
  r.writeUInt32BE(TTL_SECONDS, 6);
  r.writeUInt16BE(data.length, 10);
  return Buffer.concat([r, data]);
}

function txtData(txt: string | Buffer | Array<string | Buffer>): Buffer {
  const pieces = Array.isArray(txt) ? txt.map(toBytes) : chunks(toBytes(txt));
  return Buffer.concat(pieces.flatMap((p) => [Buffer.from([p.length]), p]));
}

function toBytes(text: string | Buffer): Buffer {
  return typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

function chunks(bytes: Buffer): Buffer[] {
  if (bytes.length === 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += TXT_CHUNK) out.push(bytes.subarray(i, i + TXT_CHUNK));
  return out;
}

function aData(address: string): Buffer {
  if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(address.split('.').map(Number));
}

function aaaaData(address: string): Buffer {
  if (!isIPv6(address) || address.includes('.')) throw new Error(`not an IPv6 address in hex form: ${address}`);
  return addressBytes(address);
}

/** A domain name as uncompressed labels. */
function nameData(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function mxData(mx: string | { exchange: string; priority: number }, index: number): Buffer {
  const { exchange, priority } = typeof mx === 'string' ? { exchange: mx, priority: (index + 1) * 10 } : mx;
  const preference = Buffer.alloc(2);
  preference.writeUInt16BE(priority);
  return Buffer.concat([preference, nameData(exchange)]);
}

/** The response to one question according to the table; null means "do not answer". */
export function respond(q: Question, entry: DnsAnswer | undefined): Buffer | null {
  if (entry?.fail === 'drop') return null;
  if (entry === undefined) return Buffer.concat([header(q, RCODE_NXDOMAIN, 0), q.raw]);
  if (entry.fail) return Buffer.concat([header(q, entry.fail === 'servfail' ? RCODE_SERVFAIL : RCODE_REFUSED, 0), q.raw]);
  let records: Buffer[] = [];
  if (q.type === DNS_TYPE_A) records = (entry.a ?? []).map((a) => record(DNS_TYPE_A, aData(a)));
  if (q.type === DNS_TYPE_AAAA) records = (entry.aaaa ?? []).map((a) => record(DNS_TYPE_AAAA, aaaaData(a)));
  if (q.type === DNS_TYPE_MX) records = (entry.mx ?? []).map((m, i) => record(DNS_TYPE_MX, mxData(m, i)));
  if (q.type === DNS_TYPE_TXT) records = (entry.txt ?? []).map((t) => record(DNS_TYPE_TXT, txtData(t)));
  if (q.type === DNS_TYPE_PTR) records = (entry.ptr ?? []).map((p) => record(DNS_TYPE_PTR, nameData(p)));
  // A name in the table without records of the asked type: NOERROR, no answer (NODATA).
  return Buffer.concat([header(q, RCODE_NOERROR, records.length), q.raw, ...records]);
}

export async function startDnsServer(records: Record<string, DnsAnswer> = {}, options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const host = options.host ?? '127.0.0.1';
  const table = new Map<string, DnsAnswer>();
  const normalise = (name: string) => name.toLowerCase().replace(/\.$/, '');
  for (const [name, answer] of Object.entries(records)) table.set(normalise(name), answer);
  const queries: DnsQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const socket: Socket = createSocket('udp4');

  socket.on('message', (message: Buffer, peer: RemoteInfo) => {
    const q = parseQuestion(message);
    if (!q) return;
    queries.push({ name: q.name, type: q.type });
    const entry = table.get(q.name);
    const answer = respond(q, entry);
    if (answer === null) return;
    const send = () => socket.send(answer, peer.port, peer.address, () => {});
    if (!entry?.delayMs) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, entry.delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    host,
    port,
    address: `${host}:${port}`,
    queries,
    set: (name, answer) => void table.set(normalise(name), answer),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        socket.close(() => resolve());
      }),
  };
}
