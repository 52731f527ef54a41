/**
 * `cvm-validate` (reference §5.9): asks a CVM module (CVM_LOOKUP) whether
 * each recipient exists, during the dialog, so that mail qmail would bounce
 * is refused at RCPT time and no bounce to a forged sender is ever made.
 *
 * CVM_LOOKUP_SECRET (else LOOKUP_SECRET) is sent as the lookup secret when
 * it is not empty. A module that answers "out of scope" (not my domain) lets
 * the recipient pass to the other plugins; an unknown user is refused
 * permanently; any other failure defers the recipient (451), so a broken
 * module never bounces mail. The domain is sent in its lower-cased A-label
 * form (an SMTPUTF8 client may send U-labels; qmail's control files, which
 * cvm-qmail reads, hold A-labels); the local part as the client sent it.
 */
import { domainLookupKey } from '@mailfront/core';
import { createCvmClient, CvmCode, describeCvmFailure, type CvmClient } from '@mailfront/cvm';
import type { PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import { textString } from '../util/binary-string.js';

const NO_SUCH_RECIPIENT: Response = { code: 553, text: '5.1.1 Sorry, that recipient does not exist.' };
const CANNOT_VERIFY: Response = { code: 451, text: '4.1.0 Sorry, I could not verify that recipient (internal temporary error).' };

export const cvmValidate: PluginModule = {
  name: 'cvm-validate',
  create({ session, env }) {
    const module = env.CVM_LOOKUP;
    if (module === undefined || module === '') return {};
    const secret = env.CVM_LOOKUP_SECRET ?? env.LOOKUP_SECRET ?? '';
    const cvm: CvmClient = createCvmClient(module, {
      env: { ...session.textEnv(), CVM_LOOKUP_SECRET: textString(secret) },
      lookupSecret: secret === '' ? null : textString(secret),
    });
    return {
      async recipient(arg) {
        const address = textString(arg.address);
        const at = address.lastIndexOf('@');
        if (at === -1) return undefined;
        const started = performance.now();
        const result = await cvm.lookup(address.slice(0, at), domainLookupKey(address.slice(at + 1)), { split: false });
        session.observe('cvm_lookup_seconds', (performance.now() - started) / 1000);
        if (result.code === CvmCode.OK) return undefined;
        if (result.code === CvmCode.PERMFAIL) return result.outOfScope === 1 ? undefined : NO_SUCH_RECIPIENT;
        session.log.warn(`cvm-validate: cannot verify ${address}: ${describeCvmFailure(result)}`);
        return CANNOT_VERIFY;
      },
    };
  },
};
