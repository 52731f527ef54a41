/**
 * `cvm-authenticate` (reference §5.8 and §6): SMTP AUTH, checked by CVM
 * modules through @mailfront/sasl. CVM_SASL_PLAIN turns on LOGIN and PLAIN,
 * CVM_SASL_LOGIN LOGIN alone, CVM_SASL_CRAM_MD5 CRAM-MD5; every configured
 * mechanism is offered and works (libcvm-sasl 0.97 drops PLAIN when
 * CRAM-MD5 is set). AUTH_REQUIRES_TLS hides AUTH until STARTTLS.
 *
 * After a success the session is authenticated (relayclient accepts its
 * recipients, require-auth its senders), the HELO name is forgotten (so
 * add-received names the client by its address), and the account's
 * environment (USER, UID, HOME, …) is what qmail-queue inherits.
 * Passwords are never logged.
 */
import { accountEnvironment } from '@mailfront/cvm';
import { parseAuthArgument, SaslServer, type SaslStep } from '@mailfront/sasl';
import type { CommandContext, PluginModule } from '../engine/plugin.js';
import type { Session } from '../engine/session.js';
import { binaryString, textString } from '../util/binary-string.js';

const AUTHENTICATED = { code: 235, text: '2.7.0 Authentication succeeded.' };
const ALREADY_AUTHENTICATED = { code: 503, text: '5.5.1 You are already authenticated.' };

function succeed(session: Session, step: Extract<SaslStep, { kind: 'success' }>): void {
  const { account } = step;
  session.auth = {
    user: binaryString(account.username),
    uid: account.userId,
    gid: account.groupId,
    realName: account.realName === undefined ? undefined : binaryString(account.realName),
    domain: account.domain === undefined ? undefined : binaryString(account.domain),
    mailbox: account.mailbox === undefined ? undefined : binaryString(account.mailbox),
  };
  session.heloDomain = undefined;
  for (const [key, value] of Object.entries(accountEnvironment(account))) session.processEnv[key] = binaryString(value);
}

export const cvmAuthenticate: PluginModule = {
  name: 'cvm-authenticate',
  create({ session }) {
    const host = session.ucspi.localHost;
    const sasl = new SaslServer({ env: session.textEnv(), domain: host, hostname: host ?? 'unknown' });
    if (sasl.mechanisms.length === 0) return {};
    const requiresTls = session.isSet('AUTH_REQUIRES_TLS');
    const offered = () => !requiresTls || session.tls;

    const authenticate = async (ctx: CommandContext, argument: string) => {
      if (session.authenticated) {
        ctx.reply(ALREADY_AUTHENTICATED);
        return;
      }
      const { mechanism, initialResponse } = parseAuthArgument(textString(argument));
      let step = await sasl.start(mechanism, initialResponse);
      while (step.kind === 'challenge') {
        ctx.reply({ code: 334, text: step.data });
        const line = await ctx.readLine();
        step = await sasl.step(line === null ? null : textString(line));
      }
      session.log.info(step.log);
      if (step.kind === 'success') {
        succeed(session, step);
        ctx.reply(AUTHENTICATED);
      } else {
        ctx.reply(step.reply);
      }
    };

    return {
      helo(_hostname, capabilities) {
        if (offered()) capabilities.push(`AUTH ${sasl.mechanisms.join(' ')}`);
        return undefined;
      },
      commands: [{ name: 'AUTH', enabled: offered, withArgument: authenticate }],
    };
  },
};
