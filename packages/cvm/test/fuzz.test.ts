// Random and mutated packets through every parser: nothing throws, nothing
// hangs, every reply fits in 512 bytes, and nothing is read from outside the
// packet. Seeded, so a failure repeats.
import t from 'tap';
import { join } from 'node:path';
import { describeFailure, fuzz, fuzzSettings, loadCorpus } from '@mailfront/testkit';
import { answerRequest } from '../src/module.js';
import { parseRequest } from '../src/request-codec.js';
import { decodeResponseV1, decodeResponseV2, encodeResponse } from '../src/response-codec.js';
import { Cred } from '../src/constants.js';
import { fakeModule, hex } from './helpers/fake-module.js';

function prng(seed: number) {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

const seeds = [
  hex('0200 0103 6a6f65 020b 6578616d706c652e6f7267 0406 736563726574 00'),
  hex('0208 7e7cd2a0bad349dd 0103 6a6f65 00'),
  hex('016a6f6500 6578616d706c652e6f726700 73656372657400 00'),
  hex('0000 0103 6a6f65 0204 32303032 0304 32303032 0501 2f 00'),
  hex('64103100 00'),
];

function mutate(random: (n: number) => number, packet: Buffer): Buffer {
  const bytes = Buffer.from(packet);
  const edits = 1 + random(4);
  let out = bytes;
  for (let i = 0; i < edits; i++) {
    const kind = random(4);
    const at = random(out.length + 1);
    if (kind === 0 && out.length > 0) out[Math.min(at, out.length - 1)] = random(256);
    else if (kind === 1) out = out.subarray(0, at);
    else if (kind === 2) out = Buffer.concat([out.subarray(0, at), Buffer.from([random(256)]), out.subarray(at)]);
    else out = Buffer.concat([out, Buffer.alloc(random(600), random(256))]);
  }
  return out;
}

function contained(input: Buffer, value: Buffer): boolean {
  return value.length === 0 || input.indexOf(value) !== -1;
}

t.test('request parser and module answer', async (t) => {
  const random = prng(20261125);
  let failures = 0;
  for (let i = 0; i < 20000; i++) {
    const packet = i % 2 === 0 ? mutate(random, seeds[random(3)]!) : Buffer.from(Array.from({ length: random(40) }, () => random(256)));
    if (random(3) === 0) packet[0] = 1 + random(2);
    const parsed = parseRequest(packet, Cred.SECRET);
    if (!parsed.credentials.every((c) => c === undefined || contained(packet, c))) failures++;
    const answer = await answerRequest(fakeModule, packet, { lookupSecret: random(2) === 0 ? '' : 'secret' });
    if (answer.reply.length > 512 || answer.reply.length < 2) failures++;
    if (parsed.code !== 0 && answer.code !== 2) failures++;
  }
  t.equal(failures, 0);
});

t.test('response decoders', async (t) => {
  const random = prng(7);
  let failures = 0;
  for (let i = 0; i < 20000; i++) {
    const packet = mutate(random, seeds[3 + random(2)]!);
    const nonce = Buffer.from(Array.from({ length: random(3) }, () => random(256)));
    for (const decoded of [decodeResponseV2(packet, nonce), decodeResponseV1(packet)]) {
      if (!decoded.facts.every((f) => contained(packet, f.value))) failures++;
      if (decoded.code < 0 || decoded.code > 255) failures++;
    }
    const facts = Array.from({ length: random(8) }, () => ({ type: 1 + random(16), value: Buffer.alloc(random(300), 0x61) }));
    if (encodeResponse(random(2) === 0 ? 1 : 2, random(256), nonce, facts).packet.length > 512) failures++;
  }
  t.equal(failures, 0);
});

// The fuzz harness's CVM target (npm run fuzz runs it long): the corpus in
// test/fuzz-corpus/cvm through the request parser, a module's answer and both
// response decoders.
t.test('fuzz cvm (harness target)', async (t) => {
  const report = await fuzz(
    {
      name: 'cvm',
      seeds: loadCorpus(join(import.meta.dirname, 'fuzz-corpus', 'cvm')),
      dictionary: [Buffer.from([0]), Buffer.from([1]), Buffer.from([2]), Buffer.from([0xff]), Buffer.from([Cred.SECRET, 0])],
      async run(packet) {
        const parsed = parseRequest(packet, Cred.SECRET);
        if (!parsed.credentials.every((c) => c === undefined || contained(packet, c))) throw new Error('a credential from outside the packet');
        const answer = await answerRequest(fakeModule, packet, { lookupSecret: packet.length % 2 === 0 ? '' : 'secret' });
        if (answer.reply.length > 512 || answer.reply.length < 2) throw new Error(`reply of ${answer.reply.length} bytes`);
        for (const decoded of [decodeResponseV2(packet, packet.subarray(0, 2)), decodeResponseV1(packet)]) {
          if (!decoded.facts.every((f) => contained(packet, f.value))) throw new Error('a fact from outside the packet');
        }
      },
    },
    fuzzSettings(),
  );
  t.same(report.failures.map(describeFailure), [], `${report.runs} inputs`);
});
