// The systemd units of docs/examples/systemd are what systemd accepts: every
// key known, every value parsed (`systemd-analyze verify`, which needs no
// running systemd). The binaries they name need not be installed here, so
// each copy points its commands at /bin/true. The hardening the README
// explains is in the units, setting by setting.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, run, scratchDir } from '@mailfront/testkit';
import { ROOT } from '../helpers/paths.js';

const DIR = join(ROOT, 'docs/examples/systemd');
const units = readdirSync(DIR).filter((name) => name.endsWith('.service'));

/** `Key=value` lines of the [Service] section (continuation lines joined). */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  const body = text.replace(/\\\n/g, ' ');
  const service = body.slice(body.indexOf('[Service]'), body.indexOf('[Install]'));
  for (const line of service.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  return settings;
}

t.test('systemd-analyze verify accepts every unit', async (t) => {
  const c = requireOracles(t, ['systemd-analyze']);
  if (!c) return;
  t.same(units.sort(), ['cvm-rcptto.service', 'mailfront-smtpd.service']);
  const dir = scratchDir(t);
  for (const unit of units) {
    const copy = join(dir, unit);
    writeFileSync(copy, readFileSync(join(DIR, unit), 'utf8').replace(/\/usr\/local\/bin\/[a-z-]+/g, '/bin/true'));
    const r = await run(c['systemd-analyze'], ['verify', copy], { timeoutMs: 60_000 });
    t.equal(r.status, 0, `${unit}: status`);
    t.equal(r.stderr.toString() + r.stdout.toString(), '', `${unit}: no complaint (an unknown key or a bad value would be one)`);
  }
});

t.test('the hardening the README explains', async (t) => {
  const cvm = serviceSettings(readFileSync(join(DIR, 'cvm-rcptto.service'), 'utf8'));
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'read-only'],
    ['PrivateTmp', 'yes'],
    ['PrivateNetwork', 'yes'],
    ['RestrictAddressFamilies', 'AF_UNIX'],
    ['CapabilityBoundingSet', 'CAP_DAC_READ_SEARCH CAP_SETUID CAP_SETGID CAP_CHOWN'],
    ['SystemCallFilter', '@system-service'],
  ]) {
    t.same(cvm.get(key!), [value], `cvm-rcptto: ${key}=${value}`);
  }
  t.match(cvm.get('ExecStart')![0], /cvm-qmail cvm-local:\/run\/cvm-rcptto\/socket$/);

  const smtpd = serviceSettings(readFileSync(join(DIR, 'mailfront-smtpd.service'), 'utf8'));
  for (const [key, value] of [
    ['User', 'qmaild'],
    ['AmbientCapabilities', 'CAP_NET_BIND_SERVICE'],
    ['CapabilityBoundingSet', 'CAP_NET_BIND_SERVICE'],
    ['NoNewPrivileges', 'no'],
    ['ProtectSystem', 'strict'],
    ['ReadWritePaths', '/var/qmail/queue'],
    ['PrivateTmp', 'yes'],
  ]) {
    t.same(smtpd.get(key!), [value], `mailfront-smtpd: ${key}=${value}`);
  }
  t.match(smtpd.get('Environment'), ['QMAILHOME=/var/qmail', 'CVM_LOOKUP=cvm-local:/run/cvm-rcptto/socket'], 'it asks the socket cvm-rcptto makes');
  t.match(smtpd.get('ExecStart')![0], /^\/usr\/local\/bin\/mailfront-tcpsvd -vv -w 2 .* -x \/run\/mailfront-smtpd\/iprules\.cdb 0 25 +rblsmtpd .* mailfront-smtpd qmail /);
});
