/**
 * A small mutation fuzzer for the protocol parsers and the binaries.
 *
 * Inputs come from a seed corpus (files in the repository), mutated with
 * byte flips, cuts, repeats, splices of two seeds and tokens of the
 * target's dictionary (line ends, dots, netstring lengths, verbs); each
 * input is also cut into random chunks, since the parsers must give the
 * same answer whatever the packet boundaries. A target runs one input and
 * throws when a property fails; a run that does not finish in time is a
 * hang. Everything is seeded: the same FUZZ_SEED gives the same inputs.
 *
 * Not coverage-guided (Jazzer.js needs a native addon and instrumented
 * sources, which the bundles are not): the dictionaries and the corpus
 * carry the protocol knowledge instead.
 *
 *   FUZZ_SECONDS   time per target (default 2: the smoke run of npm test)
 *   FUZZ_SEED      the PRNG seed (default 1)
 *   FUZZ_FINDINGS  a directory where failing inputs are written (default: none)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FuzzTarget {
  name: string;
  /** The corpus: the starting inputs. */
  seeds: Buffer[];
  /** Tokens spliced into inputs: the bytes the parser cares about. */
  dictionary?: readonly (string | Buffer)[];
  /** Most time one input may take before it counts as a hang, in ms (default 10 s). */
  hangMs?: number;
  /** Runs one input, delivered in `chunks` (their concatenation is `input`); throws when a property fails. */
  run(input: Buffer, chunks: Buffer[]): Promise<void>;
}

export interface FuzzSettings {
  seconds: number;
  seed: number;
  findings: string | undefined;
}

export interface FuzzFailure {
  input: Buffer;
  error: string;
  /** Where the input was saved (FUZZ_FINDINGS). */
  file?: string;
}

export interface FuzzReport {
  runs: number;
  failures: FuzzFailure[];
}

/** The settings from FUZZ_SECONDS, FUZZ_SEED and FUZZ_FINDINGS. */
export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seconds = Number(env.FUZZ_SECONDS ?? 2);
  const seed = Number(env.FUZZ_SEED ?? 1);
  return {
    seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 2,
    seed: Number.isInteger(seed) ? seed : 1,
    findings: env.FUZZ_FINDINGS || undefined,
  };
}

/** Every file of a corpus directory, in name order. */
export function loadCorpus(dir: string): Buffer[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
}

/** xorshift32: small, fast, and the same sequence on every machine. */
export function prng(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return n <= 0 ? 0 : (state >>> 0) % n;
  };
}

const GENERIC_TOKENS = ['\r\n', '\n', '\r', '\0', '.', ' ', '\t', ':', ',', '0', '4294967296', '\xff', '\r\n.\r\n'];

/** One mutated input: 1 to 4 edits of a seed. */
export function mutate(random: (n: number) => number, seeds: Buffer[], dictionary: readonly (string | Buffer)[]): Buffer {
  const tokens = [...GENERIC_TOKENS, ...dictionary].map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x));
  let out = Buffer.from(seeds[random(seeds.length)] ?? Buffer.alloc(0));
  for (let edits = 1 + random(4); edits > 0; edits--) {
    const at = random(out.length + 1);
    switch (random(7)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] ^= 1 << random(8);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), tokens[random(tokens.length)]!, out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + random(16)))]);
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      case 4: {
        const piece = out.subarray(at, at + 1 + random(64));
        out = Buffer.concat([out.subarray(0, at), ...Array.from({ length: 1 + random(64) }, () => piece), out.subarray(at)]);
        break;
      }
      case 5: {
        const other = seeds[random(seeds.length)] ?? Buffer.alloc(0);
        out = Buffer.concat([out.subarray(0, at), other.subarray(random(other.length + 1))]);
        break;
      }
      default:
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(random(8192), random(256)), out.subarray(at)]);
    }
  }
  return out;
}

/** The input cut at random places (sometimes byte by byte, sometimes whole). */
export function chunk(random: (n: number) => number, input: Buffer): Buffer[] {
  if (input.length === 0 || random(4) === 0) return [input];
  const chunks: Buffer[] = [];
  const small = random(8) === 0;
  for (let at = 0; at < input.length; ) {
    const size = small ? 1 + random(3) : 1 + random(Math.max(1, input.length));
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (hang)`)), ms)));
  return Promise.race([work, hang]).finally(() => clearTimeout(timer));
}

/** Runs the seeds, then mutated inputs until the time is up; stops at the first failure. */
export async function fuzz(target: FuzzTarget, settings: FuzzSettings = fuzzSettings()): Promise<FuzzReport> {
  const random = prng(settings.seed ^ hashName(target.name));
  const until = Date.now() + settings.seconds * 1000;
  let runs = 0;
  // Every seed runs, then mutations until the time is up.
  for (let i = 0; i < target.seeds.length || Date.now() < until; i++) {
    const input = i < target.seeds.length ? target.seeds[i]! : mutate(random, target.seeds, target.dictionary ?? []);
    runs++;
    try {
      await withDeadline(target.run(input, chunk(random, input)), target.hangMs ?? 10_000);
    } catch (e) {
      const failure: FuzzFailure = { input, error: e instanceof Error ? e.message : String(e) };
      if (settings.findings) {
        mkdirSync(settings.findings, { recursive: true });
        failure.file = join(settings.findings, `${target.name}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}.bin`);
        writeFileSync(failure.file, input);
      }
      return { runs, failures: [failure] };
    }
  }
  return { runs, failures: [] };
}

function hashName(name: string): number {
  return createHash('sha1').update(name).digest().readUInt32LE(0);
}

/** A failure as one line for a test message: the error and the input (base64, cut at 2 KiB). */
export function describeFailure(f: FuzzFailure): string {
  const shown = f.input.subarray(0, 2048).toString('base64');
  return `${f.error}; input (${f.input.length} bytes${f.file ? `, saved as ${f.file}` : ''}): ${shown}`;
}
