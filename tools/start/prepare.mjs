// Lays out the example MX in a fresh working directory: copies of the two
// runit services of docs/examples (with their envdirs pointed at this
// directory, 127.0.0.1 and the chosen port) and of the example qmail tree,
// whose bin/qmail-queue is the stand-in that delivers into the queue
// directory. The runscripts themselves are used unchanged: only env/ files
// differ from the production examples.
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileUsersCdb } from './users-cdb.mjs';

export const EXAMPLES = resolve(import.meta.dirname, '../../docs/examples');
const QMAIL_QUEUE = resolve(import.meta.dirname, 'qmail-queue.mjs');

/** Writes an envdir file: its first line is the value ('' sets an empty value). */
function setEnv(service, name, value) {
  writeFileSync(join(service, 'env', name), `${value}\n`);
}

/** A Maildir (tmp, new, cur) for accepted mail; kept when the MX stops. */
export function makeQueue(queue) {
  for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(queue, sub), { recursive: true });
}

/** The example qmail tree at `root`, users/cdb compiled, mail going to `queue`. */
async function qmailTree(root, queue, workDir) {
  cpSync(join(EXAMPLES, 'qmail'), root, { recursive: true });
  rmSync(join(root, 'README.md'));
  // Home directories in users/cdb are absolute: the tree says @ROOT@.
  const assign = join(root, 'users/assign');
  writeFileSync(assign, readFileSync(assign, 'utf8').replaceAll('@ROOT@', root));
  await compileUsersCdb(root, workDir);
  mkdirSync(join(root, 'bin'));
  symlinkSync(QMAIL_QUEUE, join(root, 'bin/qmail-queue'));
  symlinkSync(queue, join(root, 'queue'));
}

/**
 * Prepares everything under `workDir` and returns the paths the services
 * and the banner need.
 */
export async function prepare({ workDir, port, queue }) {
  const qmail = join(workDir, 'qmail');
  const socket = join(workDir, 'cvm-rcptto.sock');
  makeQueue(queue);
  await qmailTree(qmail, queue, workDir);

  const cvm = join(workDir, 'service/cvm-rcptto');
  cpSync(join(EXAMPLES, 'cvm-rcptto'), cvm, { recursive: true });
  setEnv(cvm, 'QMAIL_ROOT', qmail);
  setEnv(cvm, 'CVM_RCPTTO_SOCKET', socket);
  // The socket keeps the owner and group of whoever starts it; the SMTP
  // service runs as the same user here (no qmaild, no nofiles group).
  rmSync(join(cvm, 'env/CVM_SOCKET_GROUP'));

  const smtpd = join(workDir, 'service/mailfront-smtpd');
  cpSync(join(EXAMPLES, 'mailfront-smtpd'), smtpd, { recursive: true });
  setEnv(smtpd, 'QMAILHOME', qmail);
  setEnv(smtpd, 'CVM_LOOKUP', `cvm-local:${socket}`);
  setEnv(smtpd, 'LISTEN', '127.0.0.1');
  setEnv(smtpd, 'PORT', String(port));
  // Stay the user who ran the command: -u needs root and a qmaild.
  setEnv(smtpd, 'TCPSVD_USER', '');
  // The deny rule's mode, which git cannot store (see iprules/127.0.0.66).
  chmodSync(join(smtpd, 'iprules/127.0.0.66'), 0o000);

  return { qmail, socket, services: { cvm, smtpd } };
}
