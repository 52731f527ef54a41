/**
 * DATA decoding: core's DataDecoder (a Buffer.indexOf line scanner) against
 * the byte-at-a-time state machine it replaced (kept as the reference of
 * the fuzz test, packages/core/test/helpers/byte-data-decoder.ts), in the
 * same run, interleaved. Input arrives in 64 KiB chunks, as TCP reads give
 * it; the figure is input decoded per second of CPU, median of the rounds.
 *
 *   node tools/bench/run-ts.mjs tools/bench/decoder.ts [--rounds N]
 *
 * Messages: 100 KB and 1 KB of 76-character lines (a base64 body), and
 * 100 KB of short lines (a text reply thread). The whole SMTP path against
 * the C mailfront is smtp.ts; this isolates the decoder (no C counterpart
 * can be cut out of mailfront).
 */
import { DataDecoder, type ByteSource } from '@mailfront/core';
import { ByteDataDecoder } from '../../packages/core/test/helpers/byte-data-decoder.js';
import { fixed, loadLine, median, numberOption } from './lib/stats.js';

const ROUNDS = numberOption('rounds', 9);
const CHUNK = 64 * 1024;

class Chunks implements ByteSource {
  #chunks: Buffer[];
  constructor(chunks: Buffer[]) {
    this.#chunks = [...chunks];
  }
  async read(): Promise<Buffer | null> {
    return this.#chunks.shift() ?? null;
  }
  unread(bytes: Buffer): void {
    if (bytes.length > 0) this.#chunks.unshift(bytes);
  }
}

function message(size: number, lineLength: number): Buffer[] {
  const line = 'Qm9keSBvZiBhIGJhc2U2NCBhdHRhY2htZW50LCBzZXZlbnR5LXNpeCBjaGFyYWN0ZXJzIGEgbGluZQ'.padEnd(lineLength, 'x').slice(0, lineLength);
  const lines: string[] = ['Subject: benchmark', 'From: a@example.com', ''];
  for (let n = 0; n < size; n += lineLength + 2) lines.push(line);
  const bytes = Buffer.from(lines.join('\r\n') + '\r\n.\r\n', 'latin1');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) chunks.push(bytes.subarray(i, i + CHUNK));
  return chunks;
}

type Decoder = new (source: ByteSource) => { next(): Promise<Buffer | null> };

/**
 * Decodes the message `times` times; returns megabytes of input per second
 * of CPU time (the process's, so that other work on the shared machine
 * counts less than it would on the wall clock).
 */
async function throughput(Kind: Decoder, chunks: Buffer[], times: number): Promise<number> {
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const started = process.cpuUsage();
  for (let i = 0; i < times; i++) {
    const decoder = new Kind(new Chunks(chunks));
    while ((await decoder.next()) !== null);
  }
  const used = process.cpuUsage(started);
  return (bytes * times) / ((used.user + used.system) / 1e6) / 1e6;
}

const workloads = [
  { name: '100 KB, 76-character lines', chunks: message(100 * 1024, 76), times: 200 },
  { name: '100 KB, 20-character lines', chunks: message(100 * 1024, 20), times: 100 },
  { name: '1 KB, 76-character lines', chunks: message(1024, 76), times: 5000 },
];

console.log(`DATA decoder: scanner (ours now) against the byte machine (ours before), ${ROUNDS} interleaved rounds, median`);
console.log(`node ${process.version}, ${loadLine()}`);
console.log('');
console.log('| message | before MB/s of CPU | now MB/s of CPU | ratio now/before |');
console.log('| --- | --- | --- | --- |');
for (const w of workloads) {
  // Warm both up, so the JIT has compiled them before the clock runs.
  await throughput(ByteDataDecoder, w.chunks, Math.ceil(w.times / 4));
  await throughput(DataDecoder, w.chunks, Math.ceil(w.times / 4));
  const before: number[] = [];
  const now: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    if (first) before.push(await throughput(ByteDataDecoder, w.chunks, w.times));
    now.push(await throughput(DataDecoder, w.chunks, w.times));
    if (!first) before.push(await throughput(ByteDataDecoder, w.chunks, w.times));
  }
  console.log(`| ${w.name} | ${fixed(median(before))} | ${fixed(median(now))} | ${(median(now) / median(before)).toFixed(2)} |`);
}
console.log('');
console.log(loadLine());
