// What the example MX needs beyond this repository: the programs of the
// runscripts that are not ours. chpst (runit) reads the envdirs. Our own
// binaries (mailfront-tcpsvd, iprules-make, rblsmtpd, mailfront-smtpd,
// cvm-qmail) come from node_modules/.bin, which is first on the services'
// PATH.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Program → the Debian package that installs it. */
export const SYSTEM_PROGRAMS = { chpst: 'runit' };

/** Where a program is on `path`, or undefined. */
export function which(program, path) {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The programs missing from `path`, and the Debian packages that install them. */
export function missing(path) {
  const programs = Object.keys(SYSTEM_PROGRAMS).filter((program) => !which(program, path));
  return { programs, packages: [...new Set(programs.map((program) => SYSTEM_PROGRAMS[program]))] };
}

/** The exact command that installs `packages`, for this user. */
export function aptGetLine(packages) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get install ${packages.join(' ')}`;
}
