// The environment the example services run in, and the build before them.
import { spawn } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

export const REPOSITORY = resolve(import.meta.dirname, '../..');

// Where Debian puts chpst (and tcpsvd), in case the caller's PATH lacks them.
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * The services' PATH: our binaries first (node_modules/.bin also holds the
 * pinned node and shadows Debian's rblsmtpd of the same name), then the
 * caller's PATH, then the system directories.
 */
export function servicePath(callerPath) {
  const dirs = [join(REPOSITORY, 'node_modules/.bin'), ...callerPath.split(delimiter), ...SYSTEM_DIRS];
  return [...new Set(dirs.filter(Boolean))].join(delimiter);
}

// runsvdir gives a service a small environment; so do we, so that a
// PLUGINS, RELAYCLIENT or DATABYTES in the caller's shell cannot change
// what the example does. The envdirs add the rest.
const KEPT = ['HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];

export function serviceEnv(path) {
  const env = { PATH: path };
  for (const name of KEPT) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/**
 * `npm run build` (nx: cached, so quick when nothing changed), quietly
 * unless it fails. A fresh clone has no bundles after `npm ci`.
 */
export function build(say, complain) {
  say('Building the binaries (npm run build) ...');
  // Under `npm start`, npm_execpath is the npm that runs us.
  const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];
  return new Promise((done) => {
    const child = spawn(npm[0], [...npm.slice(1), 'run', 'build'], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (b) => output.push(b));
    child.stderr.on('data', (b) => output.push(b));
    child.on('error', (e) => {
      complain(`cannot run npm: ${e.message}`);
      done(false);
    });
    child.on('close', (status) => {
      if (status === 0) return done(true);
      process.stderr.write(Buffer.concat(output));
      complain(`npm run build failed (exit ${status})`);
      done(false);
    });
  });
}
