import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Cred, type CvmClient, type CvmCredential, type CvmResult } from '@mailfront/cvm';
import { collector as testkitCollector, scratchDir, type Teardown } from '@mailfront/testkit';
import { runPop3d } from '../src/main.js';
import type { ProcessActions } from '../src/modes.js';
import { relayProgram } from '../src/relay.js';

/** A stdout/stderr sink; text() is latin1, the bytes POP3 sent. */
export function collector() {
  const c = testkitCollector();
  return { stream: c.stream, text: c.latin1 };
}

/** The Maildir of reference A.0, at DIR/Maildir. */
export function maildir(t: Teardown): string {
  const dir = join(scratchDir(t, 'pop3-'), 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'cur/1000000002.222.host,S=25:2,S'), 'Subject: two\n\nbody two\n');
  writeFileSync(join(dir, 'new/1000000001.111.host'), 'Subject: one\nFrom: a@example.com\n\nline1\n.line2 starts with dot\nline3\n');
  writeFileSync(join(dir, 'new/1000000003.333.host'), 'Subject: three\n\nbody three\n');
  return dir;
}

/** A CVM that knows testuser/testpass (home = the Maildir's parent), answers 4 for "broken". */
export function fakeCvm(home: string, mailbox?: string): CvmClient {
  const answer = (credentials: readonly CvmCredential[]): CvmResult => {
    const get = (type: number) => credentials.find((c) => c.type === type)?.value?.toString();
    if (get(Cred.ACCOUNT) === 'broken') return { code: 4, facts: [], module: 'fake' };
    if (get(Cred.ACCOUNT) !== 'testuser' || get(Cred.PASSWORD) !== 'testpass') return { code: 100, facts: [], module: 'fake' };
    return { code: 0, facts: [], module: 'fake', account: { username: 'testuser', userId: 1000, groupId: 100, directory: home, suppGroupIds: [], ...(mailbox ? { mailbox } : {}) } };
  };
  const split = (account: string): CvmCredential[] => [{ type: Cred.ACCOUNT, value: Buffer.from(account.split('@')[0]!) }];
  return {
    request: async (c) => answer(c),
    lookup: async () => answer([]),
    authenticate: async (account, _domain, password) => answer([...split(account), { type: Cred.PASSWORD, value: Buffer.from(password) }]),
  };
}

export interface Session {
  out: string;
  err: string;
  code: number;
  actions: { became: string[]; chdir: string[]; exec: Array<{ argv: string[]; env: Record<string, string | undefined> }>; relayed: string[][] };
}

/** Process actions that record what they would do, with the real relay. */
export function fakeActions(cvm?: CvmClient, execResult: number | Error = 0, stderr?: Writable): { actions: ProcessActions; record: Session['actions'] } {
  const record: Session['actions'] = { became: [], chdir: [], exec: [], relayed: [] };
  const actions: ProcessActions = {
    becomeUser: (a) => {
      if (a.username === 'nobody-allowed') throw new Error('EPERM');
      record.became.push(`${a.userId}:${a.groupId}`);
    },
    chdir: (d) => void record.chdir.push(d),
    exec: async (argv, env, beforeExec) => {
      await beforeExec();
      record.exec.push({ argv, env });
      if (execResult instanceof Error) throw execResult;
      return execResult;
    },
    // The real relay: it starts PROGRAM, which tests choose to be harmless.
    relay: (argv, env, connection) => {
      record.relayed.push(argv);
      return relayProgram(argv, env, connection, stderr);
    },
    ...(cvm ? { createClient: () => cvm } : {}),
  };
  return { actions, record };
}

export async function session(argv: string[], input: string | Buffer | Buffer[], env: Record<string, string> = {}, cvm?: CvmClient, execResult: number | Error = 0): Promise<Session> {
  const out = collector();
  const err = collector();
  const { actions, record } = fakeActions(cvm, execResult, err.stream);
  const stdin = Readable.from(Array.isArray(input) ? input : [Buffer.from(input)]);
  const code = await runPop3d(argv, env, { stdin, stdout: out.stream, stderr: err.stream }, actions);
  return { out: out.text(), err: err.text(), code, actions: record };
}

export const lines = (s: string) => s.split('\r\n').slice(0, -1);
