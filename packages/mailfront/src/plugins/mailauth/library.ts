/**
 * The parts of the mailauth library this plugin uses, in one module that is
 * loaded on first use (`loadLibrary`). The bundler puts it in a file of its
 * own beside the program's bundle: the library is about 1.9 MB of code,
 * whose parsing alone would cost every session ~20 ms of CPU, so only
 * sessions that run the plugin load it. Only the SPF, DKIM, ARC and DMARC
 * modules are imported, not the package's main module (BIMI, MTA-STS and
 * their HTTP client stay out).
 */
export { arc } from 'mailauth/lib/arc/index.js';
export { dkimVerify } from 'mailauth/lib/dkim/verify.js';
export { evaluateDmarc } from 'mailauth/lib/dmarc/index.js';
export { spf } from 'mailauth/lib/spf/index.js';
