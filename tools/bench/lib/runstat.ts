/**
 * runstat (lib/runstat.c, compiled on first use into tools/bench/.cache):
 * starts a program with stdin and stdout one end of a loopback TCP
 * connection, as tcpserver gives them, reads the other end (answering the
 * greeting with QUIT) and reports wall time, time to the first byte, and
 * the program's own CPU and peak RSS from wait4().
 */
import { execFileSync } from 'node:child_process';
import { cTool } from './c-tool.js';

export interface RunStat {
  wallMs: number;
  /** Time from fork to the first byte on the connection (the greeting); NaN when nothing came. */
  firstByteMs: number;
  cpuMs: number;
  maxRssKb: number;
  status: number;
}

export function runstatTool(root: string): string {
  return cTool(root, 'runstat');
}

export function runstat(tool: string, argv: string[], env: NodeJS.ProcessEnv): RunStat {
  let out: string;
  let status = 0;
  try {
    out = execFileSync(tool, argv, { env, encoding: 'utf8' });
  } catch (e) {
    const failed = e as { stdout?: string; status?: number };
    out = failed.stdout ?? '';
    status = failed.status ?? 1;
  }
  const [wall, first, user, sys, rss] = out.trim().split(' ').map(Number) as [number, number, number, number, number];
  return { wallMs: wall / 1000, firstByteMs: first < 0 ? NaN : first / 1000, cpuMs: (user + sys) / 1000, maxRssKb: rss, status };
}
