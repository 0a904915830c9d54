import { describeError } from './errors.js';
import { isAlive, stopProcessGroup } from './process.js';
import { startProcess, type ProcessSpec } from './stack.js';
import { readState } from './state.js';
import { stackPaths } from './paths.js';
import { setTimeout as delay } from 'node:timers/promises';

export interface RestartPolicy {
  /** Restarts allowed within `windowMs` before giving up on a process. */
  maxRestarts: number;
  windowMs: number;
  /** Wait before the first restart; doubled for each further one in the window, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How often processes are checked. */
  checkEveryMs: number;
}

/** As systemd's defaults would have it for a service that must stay up: a few quick retries, then stop and say so. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 10 * 60_000, backoffMs: 1_000, maxBackoffMs: 30_000, checkEveryMs: 1_000 };

export type SupervisorOutcome = { stopped: true } | { gaveUp: string };

/**
 * Keeps the platform processes of a stack running, as systemd or Kubernetes would: one that exits
 * is started again (with backoff, its new pid recorded in the state file, its log appended to),
 * and each restart is logged. A process that keeps dying (more than `maxRestarts` in `windowMs`)
 * is given up on, and `run` returns why, so the caller can stop the stack and say so.
 */
export class Supervisor {
  private readonly restarts = new Map<string, number[]>();

  constructor(
    private readonly home: string,
    private readonly specs: ProcessSpec[],
    private readonly log: (line: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  async run(signal: AbortSignal): Promise<SupervisorOutcome> {
    while (!signal.aborted) {
      for (const spec of this.specs) {
        if (signal.aborted) break;
        const record = readState(stackPaths(this.home).state)?.processes[spec.name];
        if (record && isAlive(record.pid)) continue;
        const outcome = await this.restart(spec, record?.pid, signal);
        if (outcome) return outcome;
      }
      await delay(this.policy.checkEveryMs, undefined, { signal }).catch(() => undefined);
    }
    return { stopped: true };
  }

  /** Starts a process that is not running again; returns an outcome only when giving up. */
  private async restart(spec: ProcessSpec, pid: number | undefined, signal: AbortSignal): Promise<SupervisorOutcome | undefined> {
    for (;;) {
      const now = Date.now();
      const recent = (this.restarts.get(spec.name) ?? []).filter((t) => now - t < this.policy.windowMs);
      if (recent.length >= this.policy.maxRestarts) {
        const why = `${spec.name} went down ${recent.length + 1} times within ${Math.round(this.policy.windowMs / 1000)} s; not restarting it again (see ${stackPaths(this.home).logs}/${spec.name}.log)`;
        this.log(why);
        return { gaveUp: why };
      }
      const wait = Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** recent.length);
      this.log(
        `${spec.name}${pid ? ` (pid ${pid})` : ''} is not running; starting it again in ${wait} ms (restart ${recent.length + 1} of at most ${this.policy.maxRestarts} in ${Math.round(this.policy.windowMs / 60_000)} min)`,
      );
      recent.push(now);
      this.restarts.set(spec.name, recent);
      await delay(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return { stopped: true };
      try {
        const record = await startProcess(this.home, spec);
        this.log(`${spec.name} restarted (pid ${record.pid}) and ready`);
        return undefined;
      } catch (error) {
        this.log(`${spec.name} did not come back: ${describeError(error)}`);
        // What started but never became ready must not linger beside the next attempt.
        const stuck = readState(stackPaths(this.home).state)?.processes[spec.name]?.pid;
        if (stuck && isAlive(stuck)) await stopProcessGroup(stuck, 5_000);
      }
    }
  }
}
