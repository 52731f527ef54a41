/**
 * The plugin interface: mailfront's `struct plugin` as a TypeScript module.
 *
 * A module has a name, optional flags and a `create` function that makes
 * the hooks for one session, so per-session state lives in a closure and not
 * in globals. Every hook is optional and returns a Response or undefined
 * ("no opinion"); the engine applies mailfront's chain rule to the answers.
 * Backends have the same shape and run after the plugins.
 */
import type { Env, Reply } from '@mailfront/core';
import type { MessageFile } from './message-file.js';
import type { HookResult } from './response.js';
import type { Session } from './session.js';
import type { Awaitable } from '../util/awaitable.js';


/** An envelope address with its parameters; a hook may rewrite `address`. */
export interface AddressArg {
  address: string;
  /** SMTP parameters (`SIZE=100`, `BODY=8BITMIME`); empty for QMTP and QMQP. */
  readonly params: readonly string[];
}

/** What a plugin-defined SMTP command (AUTH, STARTTLS) can do. */
export interface CommandContext {
  readonly session: Session;
  reply(reply: Reply): void;
  /** The next line from the client (without CRLF), or null at end of input. */
  readLine(): Promise<string | null>;
}

export interface PluginCommand {
  name: string;
  /** When it returns false the command is treated as unknown. */
  enabled?(): boolean;
  /** Handler for the command without an argument; false ends the session (exit 1). */
  withoutArgument?(ctx: CommandContext): Awaitable<boolean | void>;
  withArgument?(ctx: CommandContext, argument: string): Awaitable<boolean | void>;
}

export interface Hooks {
  /** At start-up; an error is sent in place of the greeting. */
  init?(): Awaitable<HookResult>;
  /** HELO/EHLO; push EHLO capability lines onto `capabilities`. */
  helo?(hostname: string, capabilities: string[]): Awaitable<HookResult>;
  reset?(): Awaitable<HookResult>;
  sender?(arg: AddressArg): Awaitable<HookResult>;
  recipient?(arg: AddressArg): Awaitable<HookResult>;
  /** Start of message data; `file` is the temporary file when one is in use. */
  dataStart?(file: MessageFile | undefined): Awaitable<HookResult>;
  dataBlock?(block: Buffer): Awaitable<HookResult>;
  messageEnd?(file: MessageFile | undefined): Awaitable<HookResult>;
  commands?: PluginCommand[];
  /** End of the session: free what the hooks hold (processes, files). */
  close?(): Awaitable<void>;
}

export interface PluginContext {
  readonly name: string;
  readonly session: Session;
  /** The process environment (read once at start-up by "proc" variables). */
  readonly env: Env;
  /**
   * Sends bytes straight to the message (temporary file or backend),
   * bypassing the other plugins, as add-received does with its header.
   * Returns a promise only when the bytes go somewhere asynchronous: await
   * what it returns.
   */
  inject(bytes: Buffer): Awaitable<void>;
  /** A new empty temporary file (under $TMPDIR), e.g. for a rewritten message. */
  newMessageFile(): MessageFile;
  /**
   * Makes `file` the message from now on (a scanner that rewrites it, as
   * spamassassin adds its headers); the old file is closed. Only while a
   * message is kept in a file (needFile).
   */
  replaceMessage(file: MessageFile): void;
}

export interface PluginModule {
  name: string;
  /** The whole message must be kept in a temporary file (mailfront's NEED_FILE). */
  needFile?: boolean;
  create(ctx: PluginContext): Hooks;
}

/** A backend is a plugin module that runs last and delivers. */
export type BackendModule = PluginModule;
