/**
 * The numbers of the CVM protocol (cvm 0.97): credential types a client
 * sends, fact types a module answers with, and result codes.
 *
 * The result code is the only error number there is: 0 is success, 100
 * (PERMFAIL) the only permanent failure, everything else temporary. A
 * command module's exit status is the same code.
 */

/** Neither a request nor a response may be longer than this. */
export const CVM_PACKET_MAX = 512;
/**
 * The C client refuses to add an item once the request would reach this
 * length (so a request is at most 511 bytes with its terminator).
 */
export const CVM_REQUEST_LIMIT = 511;
/** A credential or fact value has a one-byte length. */
export const CVM_VALUE_MAX = 255;

/** Credential types (request tags). */
export const Cred = {
  ACCOUNT: 1,
  DOMAIN: 2,
  PASSWORD: 3,
  SECRET: 4,
  CHALLENGE: 5,
  RESPONSE: 6,
  RESPONSE_TYPE: 7,
} as const;
/** Types above this are parsed and skipped by a module. */
export const CRED_MAX = 7;

/** Fact types (response tags). */
export const Fact = {
  USERNAME: 1,
  USERID: 2,
  GROUPID: 3,
  REALNAME: 4,
  DIRECTORY: 5,
  SHELL: 6,
  GROUPNAME: 7,
  SUPP_GROUPID: 8,
  SYS_USERNAME: 9,
  SYS_DIRECTORY: 10,
  OFFICE_LOCATION: 11,
  WORK_PHONE: 12,
  HOME_PHONE: 13,
  DOMAIN: 14,
  MAILBOX: 15,
  OUTOFSCOPE: 16,
} as const;

/** Result codes. */
export const CvmCode = {
  OK: 0,
  GENERAL: 1,
  BAD_CLIDATA: 2,
  BAD_MODDATA: 3,
  IO: 4,
  NOFACT: 5,
  CONFIG: 6,
  NOCRED: 7,
  PERMFAIL: 100,
} as const;

/**
 * cvm's error texts, as its clients print them. The texts of 5 and 7 have
 * "client" and "module" swapped in the original; they are kept, since
 * scripts match on them.
 */
const ERROR_TEXTS: readonly string[] = [
  'No error',
  'General error',
  'Invalid data from client',
  'Invalid data from module',
  'Input/Output error',
  'Fact missing in data from client',
  'Configuration error',
  'Credential missing in data from module',
];
const PERMFAIL_TEXT = 'Credentials rejected';
const UNKNOWN_ERROR_TEXT = 'Unknown error';
const UNKNOWN_CODE_TEXT = 'Unknown error code';

export function cvmErrorText(code: number): string {
  if (code >= 0 && code < ERROR_TEXTS.length) return ERROR_TEXTS[code]!;
  if (code === CvmCode.PERMFAIL) return PERMFAIL_TEXT;
  if (code > CvmCode.PERMFAIL) return UNKNOWN_CODE_TEXT;
  return UNKNOWN_ERROR_TEXT;
}

/** Only 100 is permanent; every other failure should be retried later. */
export function isPermanentFailure(code: number): boolean {
  return code === CvmCode.PERMFAIL;
}

/**
 * A failed CVM call for a log line: which module, the code and its meaning,
 * and why the module gave no answer when the client knows (connect ENOENT
 * /run/cvm.sock, a timeout, an exit status).
 */
export function describeCvmFailure(result: { code: number; module: string; reason?: string }): string {
  const code = `code ${result.code} (${cvmErrorText(result.code)})`;
  return result.reason === undefined ? `${result.module} answered ${code}` : `${result.module}: ${result.reason}, ${code}`;
}
