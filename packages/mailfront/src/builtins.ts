/** The modules that need no loading, by the names mailfront gives them. */
import { echoBackend } from './backends/echo.js';
import { qmailBackend } from './backends/qmail.js';
import { queuedirBackend } from './backends/queuedir.js';
import type { BackendModule, PluginModule } from './engine/plugin.js';
import { accept, acceptRecipient, acceptSender } from './plugins/accept.js';
import { addReceived } from './plugins/add-received.js';
import { checkFqdnPlugin } from './plugins/check-fqdn.js';
import { counters } from './plugins/counters.js';
import { cvmAuthenticate } from './plugins/cvm-authenticate.js';
import { cvmValidate } from './plugins/cvm-validate.js';
import { forceFile } from './plugins/force-file.js';
import { mailauth } from './plugins/mailauth/index.js';
import { mailrules } from './plugins/mailrules/index.js';
import { patterns } from './plugins/patterns/index.js';
import { qmailValidate } from './plugins/qmail-validate.js';
import { rbl } from './plugins/rbl.js';
import { reject } from './plugins/reject.js';
import { relayclient } from './plugins/relayclient.js';
import { requireAuth } from './plugins/require-auth.js';

const byName = <M extends PluginModule>(modules: M[]) => new Map(modules.map((m) => [m.name, m]));

export const BUILTIN_BACKENDS: ReadonlyMap<string, BackendModule> = byName([
  echoBackend,
  qmailBackend,
  queuedirBackend(),
]);

export const BUILTIN_PLUGINS: ReadonlyMap<string, PluginModule> = byName([
  accept,
  acceptRecipient,
  acceptSender,
  addReceived,
  checkFqdnPlugin,
  counters,
  cvmAuthenticate,
  cvmValidate,
  forceFile,
  mailauth,
  mailrules,
  patterns,
  qmailValidate,
  rbl,
  reject,
  relayclient,
  requireAuth,
]);
