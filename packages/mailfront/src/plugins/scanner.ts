/**
 * Content scanners: plugins that need the whole message at once (a virus
 * scanner, a spam filter). `scannerPlugin` turns a scanner into a plugin
 * that keeps the message in a temporary file (NEED_FILE) and asks the
 * scanner at message end, before the backend queues it:
 *
 *   export const plugin = scannerPlugin({
 *     name: 'clamav',
 *     failure: { code: 451, text: '4.3.0 Could not virus scan message' },
 *     create: (ctx) => ctx.session.getenv('CLAMAV_HOST') ? new ClamdScanner(ctx) : undefined,
 *   });
 *
 * A scanner that throws, or that is not configured (`create` returned
 * undefined), gives the `failure` reply: a message that could not be scanned
 * is deferred, never delivered unscanned (fail closed, as mailfront's clamav
 * and spamassassin plugins are).
 */
import type { MessageFile } from '../engine/message-file.js';
import type { PluginContext, PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';

export type ScanVerdict =
  /** Nothing found; the message goes on. */
  | { verdict: 'clean' }
  /** Refuse the message with this reply (e.g. `554 5.7.0 Virus found: …`). */
  | { verdict: 'refuse'; response: Response }
  /** The scanner rewrote the message (added headers): deliver this file instead. */
  | { verdict: 'replace'; file: MessageFile }
  /** Not scanned on purpose (too large, …): logged, the message goes on. */
  | { verdict: 'skip'; reason: string };

export interface ContentScanner {
  /** The whole message, as the backend will get it (added headers included). */
  scan(file: MessageFile): Promise<ScanVerdict>;
}

export interface ScannerPluginOptions {
  name: string;
  /** The reply when the message could not be scanned. */
  failure: Response;
  /** Makes the scanner for a session; undefined when it is not configured. */
  create(ctx: PluginContext): ContentScanner | undefined;
}

export function scannerPlugin(options: ScannerPluginOptions): PluginModule {
  return {
    name: options.name,
    needFile: true,
    create(ctx) {
      const scanner = options.create(ctx);
      const log = ctx.session.log;
      return {
        async messageEnd(file) {
          if (!scanner || !file) {
            log.warn(`${options.name}: not configured, message deferred`);
            return options.failure;
          }
          let result: ScanVerdict;
          try {
            result = await scanner.scan(file);
          } catch (e) {
            log.warn(`${options.name}: ${(e as Error).message}`);
            return options.failure;
          }
          switch (result.verdict) {
            case 'clean':
              return undefined;
            case 'skip':
              log.info(`${options.name}: not scanned: ${result.reason}`);
              return undefined;
            case 'replace':
              ctx.replaceMessage(result.file);
              return undefined;
            case 'refuse':
              log.info(`${options.name}: ${result.response.code} ${result.response.text ?? ''}`);
              return result.response;
          }
        },
      };
    },
  };
}
