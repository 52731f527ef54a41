/** `force-file` (reference §5.10): keeps every message in a temporary file, nothing else. */
import type { PluginModule } from '../engine/plugin.js';

export const forceFile: PluginModule = {
  name: 'force-file',
  needFile: true,
  create: () => ({}),
};
