/**
 * `reject` (reference §5.14): refuses every sender when SMTPREJECT (or
 * REJECT) is set. A leading `-` makes the refusal permanent (553), otherwise
 * it is temporary (451); an empty text gets a default.
 */
import type { PluginModule } from '../engine/plugin.js';

const DEFAULT_TEXT = 'You are not allowed to use this mail server.';

export const reject: PluginModule = {
  name: 'reject',
  create: ({ session }) => ({
    sender() {
      const value = session.getenv('SMTPREJECT') ?? session.getenv('REJECT');
      if (value === undefined) return undefined;
      const permanent = value.startsWith('-');
      const text = permanent ? value.slice(1) : value;
      return { code: permanent ? 553 : 451, text: text === '' ? DEFAULT_TEXT : text };
    },
  }),
};
