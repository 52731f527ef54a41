/** A small module for the tests: joe exists, unknown.dom is not ours. */
import { Writable } from 'node:stream';
import type { CvmModule } from '../../src/module.js';

export const joe = { username: 'joe', userId: 2002, groupId: 2002, directory: '/home/joe', suppGroupIds: [] as number[] };

export const fakeModule: CvmModule = {
  lookup(request) {
    if (request.domain === 'unknown.dom') return { code: 100, outOfScope: true };
    if (request.account === 'joe') return { code: 0, account: { ...joe, domain: request.domain ?? 'default.example' } };
    if (request.account === 'broken') return { code: 4 };
    return { code: 100, outOfScope: false };
  },
};

export function collector(): { stream: Writable; bytes: () => Buffer; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(parts), text: () => Buffer.concat(parts).toString('utf8') };
}

export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
