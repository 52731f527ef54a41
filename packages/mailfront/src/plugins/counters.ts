/**
 * `counters` (reference §5.7): size, recipient, message and hop limits.
 *
 * DATABYTES, MAXRCPTS, MAXMSGS and MAXHOPS are read with the session lookup
 * that takes the smallest non-zero value (a mailrules rule can lower a limit
 * for one client, never raise it), and within a message a limit only ever
 * goes down. The limits are session numbers, so mailrules' reset (which
 * deletes maxdatabytes) interacts with plugin order exactly as in mailfront.
 */
import type { PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import type { Session } from '../engine/session.js';
import { HopCounter } from './hop-counter.js';

const TOO_MANY_MESSAGES: Response = { code: 550, text: '5.5.0 Too many messages' };
const TOO_MANY_RECIPIENTS: Response = { code: 550, text: '5.5.3 Too many recipients' };
const SIZE_TOO_BIG: Response = { code: 552, text: '5.2.3 The message would exceed the maximum message size.' };
const MESSAGE_TOO_BIG: Response = { code: 552, text: '5.2.3 Sorry, that message exceeds the maximum message length.' };
const LOOPING: Response = { code: 554, text: '5.6.0 This message is looping, too many hops.' };

const DEFAULT_MAXHOPS = 100;

/** Lowers the session number `key` to the variable's value, if that is smaller (mailfront's minenv). */
function lowerTo(session: Session, variable: string, key: string): void {
  const value = session.getenvNumber(variable);
  const current = session.numbers.get(key);
  if (value > 0 && (current === undefined || current > value)) session.numbers.set(key, value);
}

function limit(session: Session, key: string): number {
  return session.numbers.get(key) ?? 0;
}

/** The value of a SIZE=n parameter, if there is a usable one (too many digits: larger than any limit). */
function declaredSize(params: readonly string[]): number | undefined {
  for (const p of params) {
    const match = /^SIZE=([0-9]+)$/i.exec(p);
    if (match) return match[1]!.length > 15 ? Infinity : Number(match[1]);
  }
  return undefined;
}

export const counters: PluginModule = {
  name: 'counters',
  create({ session }) {
    let recipients = 0;
    let messagesDone = 0;
    let bytes = 0;
    const hops = new HopCounter();

    const tooManyMessages = () => {
      lowerTo(session, 'MAXMSGS', 'maxmsgs');
      const max = limit(session, 'maxmsgs');
      return max > 0 && messagesDone >= max;
    };
    const rejectForRecipients = () => {
      const max = limit(session, 'maxrcpts');
      return session.isSet('MAXRCPTS_REJECT') && max > 0 && recipients > max;
    };

    return {
      init() {
        // A bad value must stop the service at start-up, not at the first MAIL.
        for (const v of ['DATABYTES', 'MAXRCPTS', 'MAXMSGS', 'MAXHOPS']) session.getenvNumber(v);
        lowerTo(session, 'DATABYTES', 'maxdatabytes');
        return undefined;
      },
      helo(_hostname, capabilities) {
        capabilities.push(`SIZE ${limit(session, 'maxdatabytes')}`);
        return undefined;
      },
      reset() {
        lowerTo(session, 'DATABYTES', 'maxdatabytes');
        recipients = 0;
        return undefined;
      },
      sender(arg) {
        if (tooManyMessages()) return TOO_MANY_MESSAGES;
        lowerTo(session, 'DATABYTES', 'maxdatabytes');
        lowerTo(session, 'MAXRCPTS', 'maxrcpts');
        const max = limit(session, 'maxdatabytes');
        const size = declaredSize(arg.params);
        if (max > 0 && size !== undefined && size > max) return SIZE_TOO_BIG;
        return undefined;
      },
      recipient() {
        lowerTo(session, 'MAXRCPTS', 'maxrcpts');
        lowerTo(session, 'DATABYTES', 'maxdatabytes');
        recipients++;
        const max = limit(session, 'maxrcpts');
        return max > 0 && recipients > max ? TOO_MANY_RECIPIENTS : undefined;
      },
      dataStart() {
        if (tooManyMessages()) return TOO_MANY_MESSAGES;
        if (rejectForRecipients()) return TOO_MANY_RECIPIENTS;
        session.numbers.set('maxhops', session.getenvNumber('MAXHOPS') || DEFAULT_MAXHOPS);
        bytes = 0;
        hops.start();
        return undefined;
      },
      dataBlock(block) {
        bytes += block.length;
        const max = limit(session, 'maxdatabytes');
        if (max > 0 && bytes > max) return MESSAGE_TOO_BIG;
        if (hops.scan(block) > limit(session, 'maxhops')) return LOOPING;
        return undefined;
      },
      messageEnd() {
        if (rejectForRecipients()) return TOO_MANY_RECIPIENTS;
        messagesDone++;
        return undefined;
      },
    };
  },
};
