// Runs a runit service directory the way runsv does (./run, in that
// directory), in the foreground: its log (the runscripts `exec 2>&1`) is
// copied to our stdout line by line, and stop() ends it with SIGTERM, as
// `sv down` would.
//
// Each service gets a process group of its own, so that a Ctrl-C in the
// terminal reaches only the start command, which then stops the services
// in order; stop() signals the whole group, so SMTP sessions still running
// under mailfront-tcpsvd end with it and nothing outlives the command.
import { spawn } from 'node:child_process';

export class Service {
  #child;
  #lines = [];
  #waiters = [];
  #exited;
  #partial = '';

  /** Starts `dir/run` with `env`; `output(line)` receives each log line. */
  constructor(name, dir, env, output) {
    this.name = name;
    this.#child = spawn('./run', [], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.status = signal ?? code;
        this.#wake();
        resolve(this.status);
      });
      this.#child.on('error', (e) => {
        this.status = e.message;
        this.#wake();
        resolve(this.status);
      });
    });
    const onData = (chunk) => {
      const text = this.#partial + chunk.toString();
      const lines = text.split('\n');
      this.#partial = lines.pop();
      for (const line of lines) {
        this.#lines.push(line);
        output(line);
      }
      this.#wake();
    };
    this.#child.stdout.on('data', onData);
    this.#child.stderr.on('data', onData);
  }

  get pid() {
    return this.#child.pid;
  }

  get running() {
    return this.status === undefined;
  }

  /** What the service logged so far. */
  log() {
    return this.#lines.join('\n');
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * Waits until a log line matches `pattern` (true), or the service exits
   * first (false). No clock: a service that neither logs nor exits is
   * the caller's to give up on (Ctrl-C).
   */
  async waitFor(pattern) {
    for (let seen = 0; ; ) {
      for (; seen < this.#lines.length; seen++) if (pattern.test(this.#lines[seen])) return true;
      if (!this.running) return false;
      await new Promise((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The exit status once it has ended (a number, or the signal's name). */
  exited() {
    return this.#exited;
  }

  /** SIGTERM to the service's process group; resolves when ./run's process has ended. */
  async stop() {
    if (this.running) signalGroup(this.#child.pid, 'SIGTERM');
    const status = await this.#exited;
    // Sessions in progress belong to the same group: end them too.
    signalGroup(this.#child.pid, 'SIGTERM');
    return status;
  }

  /** Last resort when the start command itself is going away: no waiting. */
  kill() {
    signalGroup(this.#child.pid, 'SIGKILL');
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already empty
  }
}
