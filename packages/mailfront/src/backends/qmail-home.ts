/**
 * The qmail directory, as the qmail backend and qmail-validate both need it:
 * QMAILHOME, else qmail's own default (the same as cvm-qmail's QMAIL_ROOT
 * default; Debian's qmail uses /var/lib/qmail), and mailfront's reply when
 * it is not there.
 */
import { statSync } from 'node:fs';
import { DEFAULT_QMAIL_ROOT } from '@mailfront/qmail';
import type { Response } from '../engine/response.js';

export const DEFAULT_QMAILHOME = DEFAULT_QMAIL_ROOT;

export const NO_QMAIL_DIRECTORY: Response = { code: 451, text: '4.3.0 Could not change to the qmail directory.' };

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
