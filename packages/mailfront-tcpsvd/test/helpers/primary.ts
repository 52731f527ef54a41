/** The primary in the test's process on a free port, its workers real processes (the bundle in dist/). */
import { join } from 'node:path';
import { collector, freePort, LineClient } from '@mailfront/testkit';
import { noHooks } from '../../src/events.js';
import { parseOptions } from '../../src/options.js';
import { runPrimary } from '../../src/primary.js';
import { fakePort } from './port.js';

const BIN = join(import.meta.dirname, '../../../../node_modules/.bin');

/** Starts `mailfront-tcpsvd OPTIONS 127.0.0.1 PORT CHAIN…`; connect() retries until the port answers. */
export async function startPrimary(options: string[], chain: string[], env: Record<string, string> = {}, hooks = noHooks()) {
  const port = await freePort();
  const full = [...options, '127.0.0.1', String(port), ...chain];
  const parsed = parseOptions(full);
  if (parsed.kind !== 'ok') throw new Error(`bad options: ${JSON.stringify(parsed)}`);
  const stdout = collector();
  const stderr = collector();
  const proc = fakePort();
  // Workers run the bundle: tap must not count its vendored code.
  const done = runPrimary(parsed.options, full, { PATH: `${BIN}:/usr/bin:/bin`, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...env }, { stdin: process.stdin, stdout: stdout.stream, stderr: stderr.stream }, proc, hooks);
  const connect = async () => {
    for (let i = 0; ; i++) {
      try {
        return await LineClient.connect(port);
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  return { port, stdout, stderr, proc, done, connect };
}
