/**
 * `mailrules` (reference §5.13, §8): sender and recipient rules from the
 * file named by MAILRULES (process environment, read at start-up).
 *
 * Without MAILRULES the plugin does nothing at all. A file that cannot be
 * read, a syntax error or a list that cannot be read stops start-up with
 * mailfront's reply in place of the greeting; the log line before it names
 * the file, the line and the problem. Reset empties the whole session
 * environment and forgets the session's maxdatabytes, as mailfront does
 * (which is why plugin order matters: counters before mailrules advertises
 * SIZE 0).
 */
import type { PluginModule } from '../../engine/plugin.js';
import { INTERNAL_ERROR, type Response } from '../../engine/response.js';
import { addressForms } from './address-forms.js';
import { applyEffects, patternMatches, walk } from './apply.js';
import { ListLoader, readCapped, reason } from './lists.js';
import { parseRules, RulesError, type RuleSet } from './rules-file.js';

const CANNOT_OPEN: Response = { code: 421, text: '4.3.0 Could not open $MAILRULES file' };
const SYNTAX_ERROR: Response = { code: 421, text: '4.3.0 Syntax error in $MAILRULES' };
const LIST_ERROR: Response = { code: 421, text: '4.3.0 Error opening file referenced from $MAILRULES' };

/** Rules files larger than this are refused (a real one is a few kilobytes). */
export const RULES_MAX_BYTES = 16 * 1024 * 1024;

export const mailrules: PluginModule = {
  name: 'mailrules',
  create({ session, env }) {
    const file = env.MAILRULES;
    const lists = new ListLoader();
    let rules: RuleSet | undefined;
    /** The sender of this transaction in its forms (lower-cased): recipient rules test it too. */
    let sender: string[] = [''];

    /** A cdb that became unreadable is a temporary failure of the command, never a match. */
    const guarded = (run: () => Response | undefined): Response | undefined => {
      try {
        return run();
      } catch (e) {
        session.log.warn(`mailrules: ${(e as Error).message}`);
        return INTERNAL_ERROR;
      }
    };

    return {
      init() {
        if (file === undefined) return undefined;
        let contents: string;
        try {
          contents = readCapped(file, RULES_MAX_BYTES);
        } catch (e) {
          session.log.info(`mailrules: cannot read ${file}: ${reason(e)}`);
          return CANNOT_OPEN;
        }
        try {
          rules = parseRules(contents, {
            file,
            openList: (name) => lists.open(name),
            warn: (message) => session.log.warn(`mailrules: ${message}`),
          });
        } catch (e) {
          if (!(e instanceof RulesError)) throw e;
          session.log.info(`mailrules: ${e.message}`);
          return e.problem === 'list' ? LIST_ERROR : SYNTAX_ERROR;
        }
        return undefined;
      },
      reset() {
        if (rules === undefined) return undefined;
        session.clearEnv();
        session.numbers.delete('maxdatabytes');
        return undefined;
      },
      sender(arg) {
        if (rules === undefined) return undefined;
        sender = addressForms(arg.address);
        const set = rules;
        return guarded(() =>
          walk(set.sender, {
            matches: (rule) => patternMatches(rule.sender, sender),
            apply: (rule) => applyEffects(rule, session),
          }),
        );
      },
      recipient(arg) {
        if (rules === undefined) return undefined;
        // Every rule tests the address as the client gave it, even after an
        // earlier `n` rule appended its RELAYCLIENT text.
        const recipient = addressForms(arg.address);
        const set = rules;
        return guarded(() =>
          walk(set.recipient, {
            matches: (rule) => patternMatches(rule.sender, sender) && patternMatches(rule.recipient, recipient),
            apply: (rule) => {
              arg.address += rule.relayclient;
              applyEffects(rule, session);
            },
          }),
        );
      },
      close() {
        lists.close();
      },
    };
  },
};
