/**
 * Where a CVM request goes, chosen by the module's name as in cvm's client:
 * `cvm-udp:HOST:PORT`, `cvm-local:PATH`, or `cvm-command:PATH` (also any
 * name without one of these prefixes) to run the module as a command.
 */
import { CvmCode } from './constants.js';

export type ModuleAddress =
  | { kind: 'command'; path: string }
  | { kind: 'local'; path: string }
  | { kind: 'udp'; host: string; port: number };

/** What one exchange with a module gave: its response bytes, or a code without any. */
export type Exchange = { ok: true; response: Buffer } | { ok: false; code: number };

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

export const NO_EXCHANGE_IO: Exchange = Object.freeze({ ok: false, code: CvmCode.IO }) as Exchange;
export const NO_EXCHANGE_GENERAL: Exchange = Object.freeze({ ok: false, code: CvmCode.GENERAL }) as Exchange;
