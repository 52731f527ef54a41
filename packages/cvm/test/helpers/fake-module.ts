/** A small module for the tests: joe exists, unknown.dom is not ours. */
import type { CvmModule } from '../../src/module.js';

export { collector } from '@mailfront/testkit';

export const joe = { username: 'joe', userId: 2002, groupId: 2002, directory: '/home/joe', suppGroupIds: [] as number[] };

export const fakeModule: CvmModule = {
  lookup(request) {
    if (request.domain === 'unknown.dom') return { code: 100, outOfScope: true };
    if (request.account === 'joe') return { code: 0, account: { ...joe, domain: request.domain ?? 'default.example' } };
    if (request.account === 'broken') return { code: 4 };
    if (request.account === 'crash') throw new Error('module bug');
    return { code: 100, outOfScope: false };
  },
};

export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
