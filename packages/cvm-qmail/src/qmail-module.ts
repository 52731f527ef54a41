/**
 * The cvm-qmail module: would qmail deliver mail for ACCOUNT@DOMAIN
 * locally? Lookup only; with CVM_LOOKUP_SECRET unset every existing address
 * answers 6 (Configuration error), as in cvm.
 *
 *   1. domain: the DOMAIN credential, or envnoathost when there is none;
 *      control/locals, else control/virtualdomains (exact, then .suffix),
 *      else CVM_QMAIL_ASSUME_LOCAL, else CVM_QMAIL_MISSINGDOMAIN (the user
 *      becomes CVM_QMAIL_MISSINGUSER), else 100 "out of scope";
 *   2. user: users/cdb, then passwd, with qmail-lspawn's prefix search;
 *   3. deliverable: the user takes the name whole, or a .qmail file takes
 *      the extension (qmail-local's -default search);
 *   4. CVM_QMAIL_LOOKASIDE: a .qmail that pipes to a listed program is
 *      "out of scope" (another module's address).
 *
 * Every control file and users/cdb is checked for changes on each request.
 */
import { CvmCode, type CvmLookupResult, type CvmModule, type CvmRequest } from '@mailfront/cvm';
import type { Logger } from '@mailfront/core';
import { asciiLower, fileExists, findDotQmail, findRecipient, findVirtualDomain, QmailControl, type QmailRecipient } from '@mailfront/qmail';
import { asUser } from './as-user.js';
import { pipesToOneOf } from './lookaside.js';
import type { QmailModuleSettings } from './settings.js';

const NOT_OURS: CvmLookupResult = { code: CvmCode.PERMFAIL, outOfScope: true };
const NO_SUCH_ADDRESS: CvmLookupResult = { code: CvmCode.PERMFAIL, outOfScope: false };
const CANNOT_TELL: CvmLookupResult = { code: CvmCode.IO };

interface Destination {
  /** virtualdomains prefix; '' for a local domain. */
  prefix: string;
  /** The DOMAIN fact: lower case, `.suffix` for a wildcard, MISSINGDOMAIN as written. */
  domainFact: string;
  account: string;
}

export class QmailModule implements CvmModule {
  readonly qmail: QmailControl;

  constructor(
    private readonly settings: QmailModuleSettings,
    private readonly log: Logger,
    qmail?: QmailControl,
  ) {
    this.qmail = qmail ?? new QmailControl(settings.root);
  }

  lookup(request: CvmRequest): CvmLookupResult {
    try {
      return this.#lookup(request);
    } catch (e) {
      // A control file, users/cdb or .qmail we cannot read: never answer "no such user" for that.
      this.log.warn(`lookup failed: ${(e as Error).message}`);
      return CANNOT_TELL;
    }
  }

  #lookup(request: CvmRequest): CvmLookupResult {
    if (request.domain === undefined) request.domain = this.qmail.envnoathost();
    const destination = this.#destination(request.account, request.domain!);
    if (destination === undefined) return NOT_OURS;
    const { prefix, account, domainFact } = destination;
    const recipient = findRecipient(prefix === '' ? account : `${prefix}-${account}`, { users: this.qmail.users(), passwd: this.qmail.passwd });
    if (recipient === undefined) return NO_SUCH_ADDRESS;
    const dotQmail = this.#findDotQmail(recipient);
    if (dotQmail === undefined) return NO_SUCH_ADDRESS;
    // '' means the user takes the name whole and no .qmail file was involved (cvm 0.97 fails there: F5, L1-L5).
    if (this.settings.lookaside.length > 0 && dotQmail !== '' && pipesToOneOf(dotQmail, this.settings.lookaside)) return NOT_OURS;
    const { user, uid, gid, home } = recipient;
    return {
      code: CvmCode.OK,
      account: {
        username: user,
        userId: uid,
        groupId: gid,
        directory: home,
        sysUsername: user,
        sysDirectory: home,
        domain: domainFact,
        mailbox: home,
        suppGroupIds: [],
      },
    };
  }

  #destination(account: string, domain: string): Destination | undefined {
    const lower = asciiLower(domain);
    if (this.qmail.locals().has(lower)) return { prefix: '', domainFact: lower, account };
    const virtual = findVirtualDomain(this.qmail.virtualDomains(), lower);
    if (virtual !== undefined) return { prefix: virtual.prefix, domainFact: virtual.key, account };
    if (this.settings.assumeLocal) return { prefix: '', domainFact: lower, account };
    if (this.settings.missingDomain !== undefined) return { prefix: '', domainFact: this.settings.missingDomain, account: this.settings.missingUser };
    return undefined;
  }

  /** The .qmail file that takes the address ('' when none is needed), or undefined. */
  #findDotQmail(recipient: QmailRecipient): string | undefined {
    const { home, dash, userext, ext, uid, gid } = recipient;
    if (this.settings.checkPerms === 'off') return findDotQmail(home, dash, userext, ext);
    try {
      return findDotQmail(home, dash, userext, ext, asUser(uid, gid, fileExists));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES' && this.settings.checkPerms === 'reject') return undefined;
      throw e;
    }
  }
}
