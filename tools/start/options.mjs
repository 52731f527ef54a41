// The start command's options: `npm start -- --port 2526 --queue DIR`.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const USAGE = `usage: npm start [-- [--port PORT] [--queue DIR] [--no-build]]

Starts the example MX of docs/examples on 127.0.0.1: mailfront-tcpsvd, rblsmtpd,
mailfront-smtpd and the cvm-rcptto recipient-validation service, with the
example qmail tree. Accepted mail goes into a Maildir (DIR/new), kept when
the MX stops. Ctrl-C stops it and removes its sockets and working files.

  --port PORT   the SMTP port (default 2525)
  --queue DIR   the Maildir for accepted mail (default ${defaultQueue()})
  --no-build    do not run \`npm run build\` first (the binaries must exist)
`;

export function defaultQueue() {
  return join(tmpdir(), 'mailfront-ts-mx-queue');
}

export class UsageError extends Error {}

export function parseOptions(argv) {
  const options = { port: 2525, queue: defaultQueue(), build: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--port') {
      const text = value();
      const port = Number(text);
      if (!/^[0-9]+$/.test(text) || port < 1 || port > 65535) throw new UsageError(`--port ${text}: not a port number`);
      options.port = port;
    } else if (arg === '--queue') options.queue = resolve(value());
    else if (arg === '--no-build') options.build = false;
    else if (arg === '-h' || arg === '--help') options.help = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return options;
}
