/**
 * How a stored password is compared with the one a client sent
 * (CVM_PWFILE_PWCMP, as in cvm 0.97):
 *
 *   unset, `plain`  the field is the password itself
 *   `crypt`         the field is a crypt(3) hash
 *   anything else   a pwcmp program, found in PATH and started once: it
 *                   reads `password NUL stored NUL` on stdin for every
 *                   check and answers one byte on stdout, 0 for a match
 *
 * Each check answers true (match), false (no match) or 'error' (the program
 * could not answer: cvm's code 4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import type { Env } from '@mailfront/core';
import { crypt } from './crypt.js';

export type CheckResult = boolean | 'error';

export interface PasswordCompare {
  /** Plain-text storage: the stored field is the password (CRAM-MD5 is possible). */
  readonly plainText: boolean;
  check(given: Buffer, stored: Buffer): Promise<CheckResult>;
  close(): void;
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function passwordCompare(setting: string | undefined, env: Env, timeoutMs = 10_000): PasswordCompare {
  if (setting === undefined || setting === '' || setting === 'plain') {
    return { plainText: true, check: async (given, stored) => sameBytes(given, stored), close: () => {} };
  }
  if (setting === 'crypt') {
    return {
      plainText: false,
      check: async (given, stored) => {
        const hash = crypt(given, stored.toString('latin1'));
        return hash !== undefined && sameBytes(Buffer.from(hash, 'latin1'), stored);
      },
      close: () => {},
    };
  }
  return new PwcmpProgram(setting, env, timeoutMs);
}

/** The external comparison program, kept running between requests and restarted after a failure. */
class PwcmpProgram implements PasswordCompare {
  readonly plainText = false;
  #child: ChildProcess | undefined;
  #answer: ((byte: number | undefined) => void) | undefined;

  constructor(
    private readonly program: string,
    private readonly env: Env,
    private readonly timeoutMs: number,
  ) {}

  #start(): ChildProcess {
    const child = spawn(this.program, [], { env: this.env, stdio: ['pipe', 'pipe', 'inherit'] });
    const fail = () => {
      if (this.#child === child) this.#child = undefined;
      this.#deliver(undefined);
    };
    child.on('error', fail);
    child.on('exit', fail);
    child.stdin!.on('error', fail);
    child.stdout!.on('data', (chunk: Buffer) => this.#deliver(chunk[0]));
    this.#child = child;
    return child;
  }

  #deliver(byte: number | undefined): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.(byte);
  }

  check(given: Buffer, stored: Buffer): Promise<CheckResult> {
    const child = this.#child ?? this.#start();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.close();
        this.#deliver(undefined);
      }, this.timeoutMs);
      this.#answer = (byte) => {
        clearTimeout(timer);
        resolve(byte === undefined ? 'error' : byte === 0);
      };
      child.stdin!.write(Buffer.concat([given, Buffer.alloc(1), stored, Buffer.alloc(1)]));
    });
  }

  close(): void {
    const child = this.#child;
    this.#child = undefined;
    child?.kill();
  }
}
