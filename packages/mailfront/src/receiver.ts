/**
 * The body of mailfront-smtpd, -qmtpd and -qmqpd: `PROGRAM BACKEND [PLUGIN ...]`.
 *
 * Start-up follows mailfront (reference §1.2): load the backend and the
 * plugins (arguments, then $PLUGINS), read the settings, run every init
 * hook; any failure is answered through the protocol in place of the
 * greeting and the exit status is 1. Then the protocol runs, and at the end
 * `bytes in: N bytes out: M` is logged.
 */
import {
  ByteInput,
  ConfigError,
  countFor,
  limitFor,
  observeFor,
  createLogger,
  Output,
  parseCli,
  sessionPid,
  ucspiFromEnv,
  type Env,
  type Io,
  type Reply,
} from '@mailfront/core';
import { BUILTIN_BACKENDS, BUILTIN_PLUGINS } from './builtins.js';
import { Engine } from './engine/engine.js';
import { loadModule, LoadError } from './engine/loader.js';
import { pluginNames } from './engine/plugin-list.js';
import type { PluginModule } from './engine/plugin.js';
import { isErrorResponse } from './engine/response.js';
import { Session } from './engine/session.js';
import { readableLog } from './util/readable-log.js';
import type { Protocol } from './protocols/protocol.js';

export interface ReceiverInfo {
  program: string;
  version: string;
  description: string;
}

/** mailfront exits 111 when the backend is missing from the command line. */
const EXIT_USAGE = 111;
const CONFIG_ERROR: Reply = { code: 451, text: '4.3.0 Mail server configuration error.' };

export async function runReceiver<C>(
  protocol: Protocol<C>,
  info: ReceiverInfo,
  argv: string[],
  env: Env,
  io: Io,
): Promise<number> {
  const cli = parseCli(
    {
      program: info.program,
      version: info.version,
      synopsis: 'BACKEND [PLUGIN ...]',
      description: info.description,
      minArgs: 1,
      usageExitCode: EXIT_USAGE,
    },
    argv,
    io.stdout,
    io.stderr,
  );
  if (cli.kind === 'exit') return cli.code;
  const [backendName, ...pluginArgs] = cli.args as [string, ...string[]];

  const log = readableLog(createLogger(info.program, io.stderr, sessionPid(io)));
  const ucspi = ucspiFromEnv(env);
  const output = new Output(io.stdout);
  const failStartup = async (reply: Reply) => {
    output.write(protocol.frame(reply));
    await output.flush();
    return 1;
  };

  let backend: PluginModule;
  const plugins: PluginModule[] = [];
  try {
    backend = await loadModule('backend', backendName, BUILTIN_BACKENDS);
    for (const name of pluginNames(pluginArgs, env.PLUGINS)) plugins.push(await loadModule('plugin', name, BUILTIN_PLUGINS));
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    log.info(`451 4.3.0 ${e.message}`);
    return failStartup({ code: 451, text: `4.3.0 ${e.message}` });
  }

  const session = new Session({
    env,
    ucspi,
    log,
    longLived: io.session !== undefined,
    count: (counter, amount) => countFor(io, counter, amount),
    observe: (name, seconds) => observeFor(io, name, seconds),
    limit: (event) => limitFor(io, event),
  });
  session.protocol = protocol.name;
  const engine = new Engine({ session, backend, plugins, tmpdir: env.TMPDIR || '/tmp' });
  const input = new ByteInput(io.stdin);
  // Replies held back for a batch (SMTP pipelining) leave before we wait for the client.
  input.onWait = () => output.uncork();
  let status: number;
  try {
    const config = protocol.configure(env, ucspi);
    const failed = await engine.init();
    if (isErrorResponse(failed)) {
      log.info(`${failed.code} ${failed.text ?? ''}`);
      const status = await failStartup({ code: failed.code, text: failed.text ?? '' });
      // As mailfront: an init failure (not a load failure) still logs the byte counts.
      log.info(`bytes in: ${input.bytesIn} bytes out: ${output.bytesOut}`);
      return status;
    }
    status = await protocol.run({ engine, input, output, connection: { stdin: io.stdin, stdout: io.stdout }, windDown: io.session?.windDown }, config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.fatal(e.message);
    return failStartup(CONFIG_ERROR);
  } finally {
    output.uncork();
    await engine.close().catch((e: Error) => log.warn(`cleaning up: ${e.message}`));
  }
  log.info(`bytes in: ${input.bytesIn} bytes out: ${output.bytesOut}`);
  session.count('bytes_in', input.bytesIn);
  session.count('bytes_out', output.bytesOut);
  // The final flush and exit are runMain's, which gives up on a client that stopped reading.
  return status;
}
