/**
 * `require-auth` (reference §5.20): a sender is refused until the client has
 * authenticated, unless RELAYCLIENT marks it as trusted.
 */
import type { PluginModule } from '../engine/plugin.js';

const MUST_AUTHENTICATE = { code: 530, text: '5.7.1 You must authenticate first.' };

export const requireAuth: PluginModule = {
  name: 'require-auth',
  create: ({ session }) => ({
    sender() {
      if (session.authenticated || session.isSet('RELAYCLIENT')) return undefined;
      return MUST_AUTHENTICATE;
    },
  }),
};
