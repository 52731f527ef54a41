#!/usr/bin/env node
// `npm start`: the example MX of docs/examples, in the foreground, until
// Ctrl-C. See options.mjs for the command line and docs/examples/README.md
// for what runs.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, servicePath, serviceEnv, REPOSITORY } from './environment.mjs';
import { parseOptions, USAGE, UsageError } from './options.mjs';
import { prepare } from './prepare.mjs';
import { aptGetLine, missing, which } from './requirements.mjs';
import { Service } from './services.mjs';
import { banner } from './banner.mjs';

const say = (text) => process.stdout.write(`${text}\n`);
const complain = (text) => process.stderr.write(`npm start: ${text}\n`);

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  complain(e.message);
  process.stderr.write(USAGE);
  process.exit(100);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const path = servicePath(process.env.PATH ?? '');
const absent = missing(path);
if (absent.programs.length > 0) {
  complain(
    `${absent.programs.join(' and ')} not found. The example MX reads its envdirs with chpst (runit). ` +
      `Install with:\n\n    ${aptGetLine(absent.packages)}\n`,
  );
  process.exit(1);
}
if (options.build && !(await build(say, complain))) process.exit(1);
for (const binary of ['mailfront-tcpsvd', 'mailfront-smtpd', 'rblsmtpd', 'cvm-qmail', 'iprules-make']) {
  if (!which(binary, join(REPOSITORY, 'node_modules/.bin'))) {
    complain(`${binary} is not built: run \`npm ci && npm run build\` first`);
    process.exit(1);
  }
}

const workDir = mkdtempSync(join(tmpdir(), 'mailfront-ts-mx-'));
const services = [];
let stopping = false;

/** Everything we started goes, whatever happens to this process. */
process.on('exit', () => {
  for (const service of services) if (service.running) service.kill();
  rmSync(workDir, { recursive: true, force: true });
});

/**
 * How long a service may take to stop after SIGTERM before it is killed:
 * tcpsvd and cvm-qmail stop at once; this only bounds a stuck session.
 */
const STOP_LIMIT_MS = 10_000;

async function stopService(service) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, STOP_LIMIT_MS, 'late')));
  const outcome = await Promise.race([service.stop(), late]);
  clearTimeout(timer);
  if (outcome !== 'late') return;
  say(`${service.name} did not stop within ${STOP_LIMIT_MS / 1000} s after SIGTERM: killed.`);
  service.kill();
  await service.exited();
}

async function shutdown(status, why) {
  if (stopping) return;
  stopping = true;
  if (why) say(why);
  // The SMTP service first: no new sessions while the validator goes.
  for (const service of [...services].reverse()) await stopService(service);
  rmSync(workDir, { recursive: true, force: true });
  let queued = '';
  try {
    queued = ` ${readdirSync(join(options.queue, 'new')).length} message(s) in ${join(options.queue, 'new')}.`;
  } catch {
    // no queue yet
  }
  say(`Stopped; sockets and ${workDir} removed.${queued}`);
  process.exit(status);
}

// `npm start` execs this script (package.json), so a signal sent to npm's
// pid reaches us through npm, which passes SIGINT and SIGTERM on to its
// child. A Ctrl-C in the terminal therefore arrives twice (from the
// terminal, and again from npm): signals after the first are ignored, and
// the shutdown is bounded instead (STOP_LIMIT_MS).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!stopping) void shutdown(0, `\n${signal}: stopping the example MX.`);
  });
}

/** Starts a service and waits for the log line that says it is ready. */
async function start(name, dir, ready) {
  const service = new Service(name, dir, serviceEnv(path), say);
  services.push(service);
  if (await service.waitFor(ready)) {
    void service.exited().then((status) => shutdown(1, `${name} stopped unexpectedly (exit ${status}); the lines above say why.`));
    return true;
  }
  const hint = /already used|in use/i.test(service.log()) ? ` Another port: npm start -- --port ${options.port + 1}` : '';
  await shutdown(1, `${name} did not start (exit ${service.status}); the lines above say why.${hint}`);
  return false;
}

try {
  const layout = await prepare({ workDir, port: options.port, queue: options.queue });
  if (
    (await start('cvm-rcptto', layout.services.cvm, /cvm-qmail\[\d+\]: Starting\./)) &&
    (await start('mailfront-smtpd', layout.services.smtpd, /^mailfront-tcpsvd: info: listening on /))
  ) {
    say(banner({ ...options, workDir, socket: layout.socket, swaks: which('swaks', path) }));
  }
} catch (e) {
  complain(e.stack ?? String(e));
  await shutdown(1);
}
