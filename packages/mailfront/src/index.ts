export { runReceiver } from './receiver.js';
export type { ReceiverInfo } from './receiver.js';
export { smtp } from './protocols/smtp/index.js';
export type { Protocol, ProtocolRun } from './protocols/protocol.js';
export { Engine } from './engine/engine.js';
export type { EngineOptions } from './engine/engine.js';
export { Session } from './engine/session.js';
export type { AuthInfo, SessionOptions } from './engine/session.js';
export type {
  AddressArg,
  BackendModule,
  CommandContext,
  Hooks,
  PluginCommand,
  PluginContext,
  PluginModule,
} from './engine/plugin.js';
export { MessageFile } from './engine/message-file.js';
export { ACCEPT, isErrorResponse, toReply } from './engine/response.js';
export type { HookResult, Response } from './engine/response.js';
export { BUILTIN_BACKENDS, BUILTIN_PLUGINS } from './builtins.js';
export { pluginNames } from './engine/plugin-list.js';
export { loadModule, LoadError } from './engine/loader.js';
export { qmtp } from './protocols/qmtp/index.js';
export type { QmtpConfig, QmtpReplies } from './protocols/qmtp/config.js';
export { qmqp } from './protocols/qmqp/index.js';
export type { QmqpConfig } from './protocols/qmqp/config.js';
export { scannerPlugin } from './plugins/scanner.js';
export type { ContentScanner, ScannerPluginOptions, ScanVerdict } from './plugins/scanner.js';
