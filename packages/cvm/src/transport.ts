/**
 * Where a CVM request goes, chosen by the module's name as in cvm's client:
 * `cvm-udp:HOST:PORT`, `cvm-local:PATH`, or `cvm-command:PATH` (also any
 * name without one of these prefixes) to run the module as a command.
 */
import { CVM_PACKET_MAX, CvmCode } from './constants.js';

export type ModuleAddress =
  | { kind: 'command'; path: string }
  | { kind: 'local'; path: string }
  | { kind: 'udp'; host: string; port: number };

/**
 * What one exchange with a module gave: its response bytes, or a code
 * without any and the reason, for the log (an errno name and path, a
 * timeout, an exit status).
 */
export type Exchange = { ok: true; response: Buffer } | { ok: false; code: number; reason: string };

export interface TransportOptions {
  /** Environment of a command module (the whole client environment, as in cvm). */
  env: NodeJS.ProcessEnv;
  /** Upper bound of a command or local exchange, in ms. */
  timeoutMs: number;
  /** UDP: how long to wait after each send before sending again, in ms. */
  udpRetryDelaysMs: readonly number[];
  /** UDP: the nonce sent, so datagrams that are not answers can be ignored. */
  random: Buffer;
}

const UDP_PREFIX = 'cvm-udp:';
const LOCAL_PREFIX = 'cvm-local:';
const COMMAND_PREFIX = 'cvm-command:';

/** Parses one module name; undefined for a malformed cvm-udp: address (the client's code 1). */
export function parseModuleAddress(name: string): ModuleAddress | undefined {
  if (name.startsWith(UDP_PREFIX)) {
    const rest = name.slice(UDP_PREFIX.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) return undefined;
    const port = Number(rest.slice(colon + 1));
    if (!/^[0-9]{1,5}$/.test(rest.slice(colon + 1)) || port < 1 || port > 65535) return undefined;
    return { kind: 'udp', host: rest.slice(0, colon), port };
  }
  if (name.startsWith(LOCAL_PREFIX)) return { kind: 'local', path: name.slice(LOCAL_PREFIX.length) };
  if (name.startsWith(COMMAND_PREFIX)) return { kind: 'command', path: name.slice(COMMAND_PREFIX.length) };
  return { kind: 'command', path: name };
}

/** No answer: an input/output failure (code 4), and why. */
export const ioFailure = (reason: string): Exchange => ({ ok: false, code: CvmCode.IO, reason });

/** No exchange at all: the module's address is unusable (code 1), and why. */
export const generalFailure = (reason: string): Exchange => ({ ok: false, code: CvmCode.GENERAL, reason });

/** A system error as the log shows it: Node's message names the call, the errno and the path. */
export const systemReason = (e: Error): string => e.message;

/** An answer as it arrives; only the first 512 bytes are kept, as a module's answer is at most that long. */
export class AnswerBytes {
  #chunks: Buffer[] = [];
  #length = 0;

  /** Adds a chunk; true once 512 bytes are in. */
  add(chunk: Buffer): boolean {
    const kept = chunk.subarray(0, CVM_PACKET_MAX - this.#length);
    if (kept.length > 0) {
      this.#chunks.push(kept);
      this.#length += kept.length;
    }
    return this.#length >= CVM_PACKET_MAX;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/**
 * The settle function of one exchange: the first outcome counts, and an
 * exchange still open after `timeoutMs` runs `onTimeout` and ends with 4.
 */
export function settleWithin(resolve: (exchange: Exchange) => void, timeoutMs: number, onTimeout: () => void): (exchange: Exchange) => void {
  let settled = false;
  const finish = (exchange: Exchange) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    resolve(exchange);
  };
  const timer = setTimeout(() => {
    onTimeout();
    finish(ioFailure(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  return finish;
}
