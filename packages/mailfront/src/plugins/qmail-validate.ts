/**
 * `qmail-validate` (reference §5.18): qmail-smtpd's own checks, from the
 * control files under QMAILHOME: control/badmailfrom for senders,
 * control/badrcptto for recipients, and control/rcpthosts with
 * control/morercpthosts.cdb to accept recipients in our domains (a listed
 * `.example.com` covers every subdomain of example.com, not example.com).
 *
 * The files are re-read when they change, seen within a second (mailfront
 * reads them once at start-up), and the process does not chdir into
 * QMAILHOME. The parsed files are the process's (sharedQmailControl): the
 * sessions of a long-lived process do not read them again each.
 */
import { sharedQmailControl, type QmailControl } from '@mailfront/qmail';
import type { PluginModule } from '../engine/plugin.js';
import { ACCEPT, INTERNAL_ERROR, type Response } from '../engine/response.js';
import { DEFAULT_QMAILHOME, isDirectory, NO_QMAIL_DIRECTORY } from '../backends/qmail-home.js';
import { textString } from '../util/binary-string.js';

const BAD_MAIL_FROM: Response = { code: 553, text: '5.1.0 Sorry, your envelope sender is in my badmailfrom list.' };
const BAD_RCPT_TO: Response = { code: 553, text: '5.1.1 Sorry, that address is in my badrcptto list.' };

export const qmailValidate: PluginModule = {
  name: 'qmail-validate',
  create({ session, env }) {
    const home = env.QMAILHOME ?? DEFAULT_QMAILHOME;
    let qmail: QmailControl | undefined;

    /** Runs a check; a control file that cannot be read is a temporary failure. */
    const guarded = (check: (q: QmailControl) => Response | undefined): Response | undefined => {
      try {
        return check(qmail!);
      } catch (e) {
        session.log.warn(`qmail-validate: ${(e as Error).message}`);
        return INTERNAL_ERROR;
      }
    };

    return {
      init() {
        if (!isDirectory(home)) return NO_QMAIL_DIRECTORY;
        qmail = sharedQmailControl(home);
        // Read everything once now, so that an unreadable file stops start-up.
        return guarded((q) => (q.badmailfrom(), q.badrcptto(), q.rcpthosts(), undefined));
      },
      sender: (arg) => guarded((q) => (q.badmailfrom().matches(textString(arg.address)) ? BAD_MAIL_FROM : ACCEPT)),
      recipient: (arg) =>
        guarded((q) => {
          const address = textString(arg.address);
          if (q.badrcptto().matches(address)) return BAD_RCPT_TO;
          const at = address.lastIndexOf('@');
          return at !== -1 && q.rcpthosts().allows(address.slice(at + 1)) ? ACCEPT : undefined;
        }),
    };
  },
};
