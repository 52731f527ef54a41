/** The built-in acceptors (reference §5.1-5.3): the end of a chain, or a test harness. */
import type { PluginModule } from '../engine/plugin.js';
import { ACCEPT } from '../engine/response.js';

export const accept: PluginModule = {
  name: 'accept',
  create: () => ({ sender: () => ACCEPT, recipient: () => ACCEPT }),
};

export const acceptSender: PluginModule = {
  name: 'accept-sender',
  create: () => ({ sender: () => ACCEPT }),
};

export const acceptRecipient: PluginModule = {
  name: 'accept-recipient',
  create: () => ({ recipient: () => ACCEPT }),
};
