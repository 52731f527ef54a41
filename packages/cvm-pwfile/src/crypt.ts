/**
 * crypt(3) for the hash formats of glibc/libxcrypt that can be computed with
 * Node's own digests: MD5-crypt (`$1$`), SHA-256-crypt (`$5$`) and
 * SHA-512-crypt (`$6$`, with `rounds=N$`). Written from the published
 * algorithm descriptions (PHK's MD5-crypt, Drepper's SHA-crypt).
 *
 * Other formats (traditional DES, bcrypt `$2b$`, yescrypt `$y$`) answer
 * undefined: cvm-pwfile then rejects the password.
 */
import { createHash, type BinaryLike } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The hash of `password` with the salt and parameters of `setting`, or undefined for an unknown format. */
export function crypt(password: Buffer, setting: string): string | undefined {
  if (setting.startsWith('$1$')) return md5Crypt(password, setting.slice(3));
  if (setting.startsWith('$5$')) return shaCrypt('sha256', password, setting.slice(3));
  if (setting.startsWith('$6$')) return shaCrypt('sha512', password, setting.slice(3));
  return undefined;
}

function digest(algorithm: string, ...parts: BinaryLike[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes of `block` repeated. */
function repeated(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

/** Groups of three bytes (by index) as four characters, least significant six bits first; a short last group gives fewer. */
function encode(bytes: Buffer, groups: number[][]): string {
  let out = '';
  for (const group of groups) {
    let value = 0;
    for (const index of group) value = (value << 8) | bytes[index]!;
    const chars = group.length + 1;
    for (let i = 0; i < chars; i++, value >>>= 6) out += ITOA64[value & 0x3f];
  }
  return out;
}

function md5Crypt(password: Buffer, rest: string): string {
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, 8), 'latin1');
  const alternate = digest('md5', password, salt, password);
  const hash = createHash('md5').update(password).update('$1$').update(salt);
  hash.update(repeated(alternate, password.length));
  for (let i = password.length; i > 0; i >>= 1) hash.update(i & 1 ? Buffer.alloc(1) : password.subarray(0, 1));
  let result = hash.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? password : result);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(password);
    round.update(i & 1 ? result : password);
    result = round.digest();
  }
  const groups = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];
  return `$1$${salt.toString('latin1')}$${encode(result, groups)}`;
}

const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;

function shaCrypt(algorithm: 'sha256' | 'sha512', password: Buffer, rest: string): string | undefined {
  const prefix = algorithm === 'sha256' ? '$5$' : '$6$';
  let rounds = ROUNDS_DEFAULT;
  let roundsText = '';
  const custom = /^rounds=([1-9][0-9]{0,9})\$/.exec(rest);
  if (custom === null && rest.startsWith('rounds=')) return undefined;
  if (custom) {
    rounds = Number(custom[1]);
    // libxcrypt (Debian) refuses a count out of range where glibc clamped it.
    if (rounds < ROUNDS_MIN || rounds > ROUNDS_MAX) return undefined;
    roundsText = `rounds=${rounds}$`;
    rest = rest.slice(custom[0].length);
  }
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, 16), 'latin1');
  const alternate = digest(algorithm, password, salt, password);
  const hash = createHash(algorithm).update(password).update(salt).update(repeated(alternate, password.length));
  for (let i = password.length; i > 0; i >>= 1) hash.update(i & 1 ? alternate : password);
  const a = hash.digest();
  const pBytes = repeated(digest(algorithm, repeated(password, password.length * password.length)), password.length);
  const sBytes = repeated(digest(algorithm, repeated(salt, salt.length * (16 + a[0]!))), salt.length);
  let c = a;
  for (let i = 0; i < rounds; i++) {
    const round = createHash(algorithm);
    round.update(i & 1 ? pBytes : c);
    if (i % 3) round.update(sBytes);
    if (i % 7) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  return `${prefix}${roundsText}${salt.toString('latin1')}$${encode(c, algorithm === 'sha256' ? SHA256_GROUPS : SHA512_GROUPS)}`;
}

/** The byte order of SHA-crypt's output: triples that rotate through the digest. */
function rotatingGroups(size: number, forward: boolean): number[][] {
  const third = Math.floor(size / 3);
  const groups: number[][] = [];
  for (let k = 0; k < third; k++) {
    const [a, b, c] = [k, k + third, k + 2 * third];
    const turn = k % 3;
    if (turn === 0) groups.push([a, b, c]);
    else if ((turn === 1) === forward) groups.push([b, c, a]);
    else groups.push([c, a, b]);
  }
  return groups;
}

const SHA512_GROUPS = [...rotatingGroups(63, true), [63]];
const SHA256_GROUPS = [...rotatingGroups(30, false), [31, 30]];
