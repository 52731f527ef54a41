/**
 * The cvm-pwfile module: account lookup in CVM_PWFILE_PATH, password check
 * through CVM_PWFILE_PWCMP. The domain is ignored.
 *
 * Results, as cvm 0.97 gives them: 0 with USERNAME (as in the file), UID,
 * GID, REALNAME, DIRECTORY and SHELL; 100 for an unknown account or an
 * empty password field (even in lookup mode); 7 without a password in
 * authentication mode; 6 for an entry with a missing field or a bad
 * uid/gid, found only once the password has been checked (so a wrong
 * password still gives 100, as in cvm); 4 when the file cannot be read or
 * a pwcmp program fails.
 *
 * Beyond cvm: an account containing `:` or an empty account never matches
 * (in cvm `joe:secret` matches the line of joe and shifts every field),
 * and CRAM-MD5 (CHALLENGE + RESPONSE + RESPONSE_TYPE) is checked when the
 * passwords are stored in plain text.
 */
import { createHmac } from 'node:crypto';
import { Cred, CvmCode, type CvmAccount, type CvmLookupResult, type CvmModule, type CvmRequest } from '@mailfront/cvm';
import type { Logger } from '@mailfront/core';
import { findLine, parseEntry, type PwEntry } from './pwfile.js';
import { sameBytes, type PasswordCompare } from './pwcmp.js';

export class PwfileModule implements CvmModule {
  /** The stored password of the last entry found (a module answers one request at a time). */
  #stored: Buffer | undefined;
  /** The last entry found has a bad field: 6 once the password is right. */
  #malformed = false;

  constructor(
    private readonly path: string | undefined,
    private readonly compare: PasswordCompare,
    private readonly log: Logger,
    /** CVM_LOOKUP_SECRET is set: no password check follows the lookup. */
    private readonly lookupMode = false,
  ) {}

  init(): number {
    // Silent, as in cvm: a command module's stderr is its client's; servers log the code.
    return this.path === undefined || this.path === '' ? CvmCode.CONFIG : 0;
  }

  lookup(request: CvmRequest): CvmLookupResult {
    this.#stored = undefined;
    this.#malformed = false;
    const account = request.bytes(Cred.ACCOUNT);
    if (account === undefined || account.includes(0x3a)) return { code: CvmCode.PERMFAIL };
    let line: Buffer | undefined;
    try {
      line = findLine(this.path!, account);
    } catch (e) {
      this.log.warn(`unable to read ${this.path}: ${(e as Error).message}`);
      return { code: CvmCode.IO };
    }
    if (line === undefined) return { code: CvmCode.PERMFAIL };
    const entry = parseEntry(line, account.length);
    if (entry === 'no-password') return { code: CvmCode.PERMFAIL };
    this.#stored = storedPassword(line, account.length);
    if (entry === 'malformed') {
      if (this.lookupMode) return { code: CvmCode.CONFIG };
      this.#malformed = true;
      return { code: CvmCode.OK, account: PLACEHOLDER };
    }
    return { code: CvmCode.OK, account: accountOf(entry) };
  }

  async authenticate(request: CvmRequest): Promise<number> {
    const stored = this.#stored!;
    const password = request.bytes(Cred.PASSWORD);
    let code: number;
    if (password === undefined) {
      code = this.#challengeResponse(request, stored);
    } else {
      const result = await this.compare.check(password, stored);
      code = result === 'error' ? CvmCode.IO : result ? CvmCode.OK : CvmCode.PERMFAIL;
    }
    return code === CvmCode.OK && this.#malformed ? CvmCode.CONFIG : code;
  }

  /** CRAM-MD5: HMAC-MD5 of the challenge, keyed with the stored plain-text password. */
  #challengeResponse(request: CvmRequest, stored: Buffer): number {
    const challenge = request.bytes(Cred.CHALLENGE);
    const response = request.bytes(Cred.RESPONSE);
    const type = request.text(Cred.RESPONSE_TYPE);
    if (challenge === undefined || response === undefined || type?.toUpperCase() !== 'CRAM-MD5' || !this.compare.plainText) return CvmCode.NOCRED;
    return sameBytes(createHmac('md5', stored).update(challenge).digest(), response) ? CvmCode.OK : CvmCode.PERMFAIL;
  }

  stop(): void {
    this.compare.close();
  }
}

/** Never sent: the answer to a malformed entry is 6 or a failure. */
const PLACEHOLDER: CvmAccount = { username: '', userId: 0, groupId: 0, directory: '', suppGroupIds: [] };

function storedPassword(line: Buffer, nameLength: number): Buffer {
  const rest = line.subarray(nameLength + 1);
  return rest.subarray(0, rest.indexOf(0x3a));
}

function accountOf(entry: PwEntry): CvmAccount {
  return {
    username: entry.name,
    userId: entry.uid,
    groupId: entry.gid,
    realName: entry.realName,
    directory: entry.directory,
    shell: entry.shell,
    suppGroupIds: [],
  };
}
