// What the start command prints once the MX is up: where it listens, where
// mail goes, and how to try it.
import { join } from 'node:path';

export function banner({ port, queue, workDir, socket, swaks }) {
  const server = `127.0.0.1:${port}`;
  const swaksLine = (to, extra = '') => `swaks --server ${server}${extra} --from you@example.com --to ${to}`;
  return `
The example MX listens on ${server} (SMTP, greeting as mx.example.org):
  mailfront-tcpsvd -> rblsmtpd -> mailfront-smtpd (in-process, one session per
  connection), each recipient checked by cvm-qmail
  on ${socket}
Accepted mail goes to the Maildir ${queue} (one file per message in new/).
Working files, removed when it stops: ${workDir}

Try it${swaks ? '' : ' (swaks is not installed: apt-get install swaks)'}:
  ${swaksLine('joe@example.org')}
      a known recipient: accepted, and the message appears in ${join(queue, 'new')}
  ${swaksLine('nosuch@example.org')}
      an unknown recipient: refused at RCPT (553), so nothing is ever bounced
  ${swaksLine('joe@example.org', ' --local-interface 127.0.0.2')}
      a client the IP rules list: rblsmtpd refuses it (553)
Recipients: joe, jane, jane-news, postmaster @example.org; sales, info @example.net
(docs/examples/qmail/README.md); 127.0.0.66 is denied by the IP rules.

Ctrl-C stops it.
`;
}
