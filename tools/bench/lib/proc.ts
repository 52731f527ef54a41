/**
 * A server's process tree from /proc: itself and its descendants (workers,
 * qmail-queue), their CPU and their resident memory. Linux only, as the
 * benchmarks are.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** The fields of /proc/PID/stat after the command name (field 3, the state, is [0]). */
export function stat(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** `pid` and its living descendants, parents first. */
export function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(stat(Number(entry))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** A process tree's CPU seconds: its own and its living descendants', and what they reaped. */
export function treeCpu(pid: number): number {
  let total = 0;
  for (const p of tree(pid)) {
    try {
      const f = stat(p);
      total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone meanwhile
    }
  }
  return total / CLOCK_TICKS;
}

/** One process's resident memory in MB (0 when it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Total resident memory of a process tree, in MB. */
export function treeRss(pid: number): number {
  return tree(pid).reduce((sum, p) => sum + rssMb(p), 0);
}
