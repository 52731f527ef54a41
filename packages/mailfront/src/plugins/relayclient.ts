/**
 * `relayclient` (reference §5.19): accepts every recipient of a trusted
 * client. RELAYCLIENT set (even empty, as tcprules/ipsvd rules set it) makes
 * the client trusted and its value is appended to each recipient; an
 * authenticated session is trusted too.
 */
import type { PluginModule } from '../engine/plugin.js';
import { ACCEPT } from '../engine/response.js';

export const relayclient: PluginModule = {
  name: 'relayclient',
  create: ({ session }) => ({
    recipient(arg) {
      const suffix = session.getenv('RELAYCLIENT');
      if (suffix !== undefined) {
        arg.address += suffix;
        return ACCEPT;
      }
      return session.authenticated ? ACCEPT : undefined;
    },
  }),
};
