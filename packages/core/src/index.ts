export { parseCli, usageText, EXIT_USAGE } from './cli.js';
export type { CliOutcome, CliSpec, OptionSpec, OptionValue, ParsedCli, TextSink } from './cli.js';
export { CommandLog, HIDDEN_ARGUMENT, HIDDEN_LINE, loggableVerb, MAX_LOGGED_VERB } from './command-log.js';
export { DataDecoder } from './data-decoder.js';
export { domainLookupKey, domainToDisplay, hostNameToAscii, MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH } from './domain-name.js';
export type { DataDecoderOptions } from './data-decoder.js';
export { LineEndDecoder } from './line-end-decoder.js';
export {
  ConfigError,
  envBoolean,
  envChoice,
  envDuration,
  envInteger,
  envIsSet,
  envList,
  envRecord,
} from './env.js';
export type { Env, IntegerOptions } from './env.js';
export { countFor, handOff, handOffOrFail, limitFor, observeFor, sessionPid, untilWindDown, WOUND_DOWN } from './chain.js';
export { ExecError, execProgram, findExecutable } from './exec.js';
export type { Execve, ExecOptions } from './exec.js';
export { ByteInput, EofError, LimitedSource, TimeoutError } from './input.js';
export type { ByteSource } from './input.js';
export { LineReader, readLine } from './line-reader.js';
export type { Line, LineEnding } from './line-reader.js';
export { createLogger, crashText, escapeLogText, fitLogLine } from './log.js';
export { LogStream, PIPE_BUF, processLog } from './log-stream.js';
export type { Logger } from './log.js';
export { drained, processIo, runMain, EXIT_TEMPORARY } from './main.js';
export type { Io, ListenSession, Main, RateEvent, RunMainOptions } from './main.js';
export {
  encodeNetstring,
  NetstringError,
  readExactly,
  readNetstring,
  readNetstringEnd,
  readNetstringLength,
  splitNetstrings,
} from './netstring.js';
export type { NetstringProblem } from './netstring.js';
export { Output } from './output.js';
export { formatSmtpReply, isError, isPermanent, isTemporary, reply, splitLines } from './reply.js';
export type { Reply } from './reply.js';
export { ucspiFromEnv, ucspiToEnv } from './ucspi.js';
export type { UcspiContext } from './ucspi.js';
export { startTls, tlsSettingsFromEnv } from './tls.js';
export type { StartTlsOptions, TlsSettings, TlsUpgrade } from './tls.js';
export { lazyCrypto, lazyTls } from './lazy.js';
export { RECHECK_INTERVAL_MS, recheckAllNow, recheckCaches, RecheckTimer } from './recheck.js';
export type { Clock } from './recheck.js';
export { DescriptorReader } from './descriptor-reader.js';
export { stopReading } from './stop-reading.js';
export * from './proxy/index.js';
