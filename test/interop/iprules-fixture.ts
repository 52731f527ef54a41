// Shared by the iprules interop tests: where our bundle is, a seeded random
// generator, and rule sets generated from it (valid ones: both compilers
// must accept them and produce the same records).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from '@mailfront/testkit';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUR_IPRULES_MAKE = join(ROOT, 'packages/iprules-make/dist/iprules-make.js');

/** mulberry32: small, seeded, good enough to spread test cases. */
export function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const WORDS = ['mail', 'mx', 'relay', 'example', 'test', 'backup', 'a-b', 'x_y'];
const VARIABLES = ['RELAYCLIENT', 'RBLSMTPD', 'SMTPAUTH', 'DATABYTES', 'MAXRCPTS', 'TCPLOCALHOST', 'X1'];

function octets(rand: (n: number) => number, count: number): string {
  return Array.from({ length: count }, () => String(rand(256))).join('.');
}

function value(rand: (n: number) => number): string {
  const choices = ['', '1', '-spam source, see http://bl.test/', '@fix.me', 'a b\tc', '10000000', 'x=y'];
  return choices[rand(choices.length)]!;
}

/** A valid ipsvd instructions directory of `count` entries; returns its path. */
export function generateIpsvdDirectory(dir: string, seed: number, count: number): string {
  const rand = random(seed);
  mkdirSync(dir, { recursive: true });
  const names = new Set<string>(['0']);
  while (names.size < count) {
    names.add(rand(4) === 0 ? `${WORDS[rand(WORDS.length)]}.${WORDS[rand(WORDS.length)]}.org` : octets(rand, 1 + rand(4)));
  }
  for (const name of names) {
    const kind = rand(10);
    const file = join(dir, name);
    if (kind === 0) {
      writeFileSync(file, 'ignored content');
      chmodSync(file, 0o000);
    } else if (kind === 1) {
      writeFileSync(file, `echo "554 no service for ${name}"\n`);
      chmodSync(file, 0o755);
    } else {
      const lines: string[] = [];
      for (let i = rand(6); i > 0; i--) {
        const variable = VARIABLES[rand(VARIABLES.length)]!;
        const pick = rand(7);
        lines.push(
          pick === 0 ? `# comment ${i}` : pick === 1 ? '' : pick === 2 ? `+${variable}` : pick === 3 ? `C${rand(20)}:421 too many\\r\\n` : `+${variable}=${value(rand)}`,
        );
      }
      writeFileSync(file, lines.join('\n') + (rand(2) ? '\n' : ''));
      chmodSync(file, rand(3) === 0 ? 0o400 : 0o644);
    }
  }
  return dir;
}

/** A valid tcprules file of `count` lines. */
export function generateTcprules(seed: number, count: number): string {
  const rand = random(seed);
  const lines: string[] = ['# generated'];
  for (let i = 0; i < count; i++) {
    const form = rand(12);
    const address =
      form < 4 ? octets(rand, 4)
      : form < 7 ? octets(rand, 1 + rand(3)) + '.'
      : form === 7 ? `${octets(rand, 3)}.${rand(100)}-${100 + rand(156)}`
      : form === 8 ? `=${WORDS[rand(WORDS.length)]}.example.org`
      : form === 9 ? `=.${WORDS[rand(WORDS.length)]}.net`
      : form === 10 ? `joe@${octets(rand, 4)}`
      : '';
    let rule = `${address}:${rand(3) === 0 ? 'deny' : 'allow'}`;
    for (let v = rand(3); v > 0; v--) {
      const quote = ['"', '/', "'", '%'][rand(4)]!;
      rule += `,${VARIABLES[rand(VARIABLES.length)]}=${quote}${value(rand).split(quote).join('')}${quote}`;
    }
    lines.push(rule + (rand(5) === 0 ? '  ' : ''));
    if (rand(20) === 0) lines.push('');
  }
  return lines.join('\n') + '\n';
}

/** `cdb -d` of a file, as lines (records may contain anything but LF here). */
export async function dump(cdbTool: string, file: string): Promise<string[]> {
  const r = await run(cdbTool, ['-d', file]);
  if (r.status !== 0) throw new Error(`cdb -d ${file}: ${r.stderr}`);
  return r.stdout.toString('latin1').split('\n').filter((line) => line !== '');
}
