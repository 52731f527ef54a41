/**
 * The control files and user database of one qmail installation, each
 * re-read when it changes (looked at at most once a second):
 *
 *   const qmail = new QmailControl('/var/qmail');
 *   qmail.rcpthosts().allowsAddress('joe@example.org');
 *   qmail.badmailfrom().matches(sender);
 *
 * Missing files count as empty (or unset), as in qmail and mailfront.
 */
import { AddressList, RcptHosts } from './address-lists.js';
import { parseControlLine, parseControlList, parseControlNumber } from './control.js';
import { PasswdFile } from './passwd.js';
import { parseVirtualDomains, type VirtualDomainTable } from './virtual-domains.js';
import { WatchedCdb } from './watched-cdb.js';
import { WatchedFile, type WatchOptions } from './watched-file.js';

/** QMAIL_ROOT's (cvm) and QMAILHOME's default. */
export const DEFAULT_QMAIL_ROOT = '/var/qmail';

export interface QmailControlOptions extends WatchOptions {
  /** The passwd file for users that users/cdb does not list (default /etc/passwd). */
  passwdPath?: string;
}

export class QmailControl {
  readonly #locals: WatchedFile<ReadonlySet<string>>;
  readonly #virtualDomains: WatchedFile<VirtualDomainTable>;
  readonly #me: WatchedFile<string | undefined>;
  readonly #envnoathost: WatchedFile<string | undefined>;
  readonly #rcpthosts: WatchedFile<string[]>;
  readonly #badmailfrom: WatchedFile<AddressList>;
  readonly #badrcptto: WatchedFile<AddressList>;
  readonly #databytes: WatchedFile<number>;
  readonly #moreRcptHosts: WatchedCdb;
  readonly #users: WatchedCdb;
  readonly passwd: PasswdFile;
  #rcptHostsCache: { list: string[]; more: unknown; checker: RcptHosts } | undefined;

  constructor(
    readonly root: string = DEFAULT_QMAIL_ROOT,
    options: QmailControlOptions = {},
  ) {
    const control = (name: string) => `${root}/control/${name}`;
    this.#locals = new WatchedFile(control('locals'), (c) => new Set(parseControlList(c)), options);
    this.#virtualDomains = new WatchedFile(control('virtualdomains'), parseVirtualDomains, options);
    this.#me = new WatchedFile(control('me'), parseControlLine, options);
    this.#envnoathost = new WatchedFile(control('envnoathost'), parseControlLine, options);
    this.#rcpthosts = new WatchedFile(control('rcpthosts'), (c) => parseControlList(c), options);
    this.#badmailfrom = new WatchedFile(control('badmailfrom'), (c) => new AddressList(parseControlList(c)), options);
    this.#badrcptto = new WatchedFile(control('badrcptto'), (c) => new AddressList(parseControlList(c)), options);
    this.#databytes = new WatchedFile(control('databytes'), (c) => parseControlNumber(c) ?? 0, options);
    this.#moreRcptHosts = new WatchedCdb(control('morercpthosts.cdb'), options);
    this.#users = new WatchedCdb(`${root}/users/cdb`, options);
    this.passwd = new PasswdFile(options.passwdPath, options);
  }

  /** control/locals: lower-cased domains delivered locally. */
  locals(): ReadonlySet<string> {
    return this.#locals.get();
  }

  virtualDomains(): VirtualDomainTable {
    return this.#virtualDomains.get();
  }

  /** control/me, first line as is; undefined when missing or empty. */
  me(): string | undefined {
    return this.#me.get();
  }

  /** control/envnoathost, else control/me, else the literal "envnoathost" (qmail's default chain). */
  envnoathost(): string {
    return this.#envnoathost.get() ?? this.me() ?? 'envnoathost';
  }

  /** control/rcpthosts together with control/morercpthosts.cdb. */
  rcpthosts(): RcptHosts {
    const list = this.#rcpthosts.get();
    const more = this.#moreRcptHosts.get();
    if (this.#rcptHostsCache?.list !== list || this.#rcptHostsCache.more !== more) {
      this.#rcptHostsCache = { list, more, checker: new RcptHosts(list, more) };
    }
    return this.#rcptHostsCache.checker;
  }

  badmailfrom(): AddressList {
    return this.#badmailfrom.get();
  }

  badrcptto(): AddressList {
    return this.#badrcptto.get();
  }

  /** control/databytes: the largest message accepted, 0 for no limit (also when missing). */
  databytes(): number {
    return this.#databytes.get();
  }

  /** users/cdb, when it exists. */
  users() {
    return this.#users.get();
  }

  close(): void {
    this.#users.close();
    this.#moreRcptHosts.close();
  }
}

const shared = new Map<string, QmailControl>();

/**
 * The QmailControl of a qmail directory for this whole process: every
 * session of a long-lived process (mailfront-tcpsvd) uses the same parsed
 * files and open cdbs, looked at again at most once a second, instead of
 * reading them all again per session. Never closed; it lives as long as
 * the process.
 */
export function sharedQmailControl(root: string): QmailControl {
  let qmail = shared.get(root);
  if (qmail === undefined) {
    qmail = new QmailControl(root);
    shared.set(root, qmail);
  }
  return qmail;
}
