/**
 * What of a client's command line may reach the log: the one place where
 * the rule "no secret in a log line" is applied to commands, for SMTP and
 * POP3 alike.
 *
 *   - the arguments of AUTH, PASS and APOP are never logged, whatever the
 *     separator (space, TAB, any control byte) or the case of the verb;
 *   - a line the server does not know is logged by its verb only: at most
 *     16 characters of letters, digits, `-` and `_` (a base64 line is cut
 *     at its first `+`, `/` or `=`);
 *   - a line that arrives while an AUTH exchange is, or was just, in
 *     progress is not logged at all (only that one was hidden): a client
 *     whose exchange was refused or aborted may go on sending its base64
 *     answers, which the server then reads as unknown commands. The window
 *     opens at any AUTH command, offered or not, and closes at the next
 *     command the server knows.
 *
 * The protocol passes every command line it reads to seen(), with whether
 * it knows the verb, and logs what comes back (or logs nothing, as SMTP does
 * for the commands it knows).
 */

/** Verbs whose arguments are credentials. */
const SECRET_VERBS = new Set(['AUTH', 'PASS', 'APOP']);

/** Longest verb logged for an unknown command. */
export const MAX_LOGGED_VERB = 16;

/** Stands for the credentials of a secret verb (pop3front-auth's `PASS XXXXXXXX`). */
export const HIDDEN_ARGUMENT = 'XXXXXXXX';

/** Logged in place of a line received during or just after an AUTH exchange. */
export const HIDDEN_LINE = '[line hidden: sent during or after AUTH]';

/** The verb as the log sees it: the leading letters, digits, `-` and `_`, upper-cased, at most 16. */
export function loggableVerb(line: string): string {
  const verb = /^[A-Za-z0-9_-]*/.exec(line)![0];
  return verb.slice(0, MAX_LOGGED_VERB).toUpperCase();
}

export class CommandLog {
  /** An AUTH command was seen and no known command since. */
  #afterAuth = false;

  /**
   * Returns what may be logged of a command line. `known`: the protocol
   * recognised its verb (for SMTP: a command it would run; for POP3: one
   * of the current state's commands).
   */
  seen(line: string, known: boolean): string {
    const verb = loggableVerb(line);
    // The verb may be followed by anything: a separator that the protocol
    // does not accept (TAB in POP3) is still a separator here.
    const rest = line.slice(verb.length);
    if (!known && this.#afterAuth && verb !== 'AUTH') return HIDDEN_LINE;
    if (verb === 'AUTH') this.#afterAuth = true;
    else if (known) this.#afterAuth = false;
    if (SECRET_VERBS.has(verb)) return /[^ \t]/.test(rest) ? `${verb} ${HIDDEN_ARGUMENT}` : verb;
    if (!known) return verb === '' ? '[unknown command]' : verb;
    return line;
  }
}
