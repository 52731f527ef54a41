/**
 * Problems found in a rules source, each naming the file and, where there
 * is one, the line, as a compiler does: `iprules/127.0.0.1:3: …`. Errors
 * stop the build (the old cdb stays); warnings are reported and the build
 * goes on. All of a source's problems are collected before giving up, so
 * one run shows every mistake.
 */

export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based; undefined for a problem with the file as a whole. */
  line: number | undefined;
  message: string;
}

/** Stops the scan when a source has more errors than anyone will read. */
export const MAX_ERRORS = 100;

export class Problems {
  readonly list: Problem[] = [];
  #errors = 0;

  error(file: string, line: number | undefined, message: string): void {
    this.#errors++;
    if (this.#errors <= MAX_ERRORS) this.list.push({ severity: 'error', file, line, message });
  }

  warn(file: string, line: number | undefined, message: string): void {
    this.list.push({ severity: 'warning', file, line, message });
  }

  get errors(): number {
    return this.#errors;
  }
}

/** `file:line: message`, or `file: message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.message}`;
}

/** A short, safe rendering of a piece of a rules file for a message. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? text.slice(0, max) + '…' : text;
  return JSON.stringify(cut);
}
