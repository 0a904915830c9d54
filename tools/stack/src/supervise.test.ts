import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stackPaths } from './paths.js';
import { isAlive, stopProcessGroup } from './process.js';
import { startProcess, type ProcessSpec } from './stack.js';
import { readState, writeState } from './state.js';
import { Supervisor, type RestartPolicy } from './supervise.js';
import { waitFor } from './wait.js';

const quick: RestartPolicy = { maxRestarts: 2, windowMs: 60_000, backoffMs: 50, maxBackoffMs: 100, checkEveryMs: 50 };
const external = { mode: 'external' as const, url: 'x', listen: 'x', details: {} };

function stack(): string {
  const home = mkdtempSync(join(tmpdir(), 'palisade-supervise-'));
  writeState(stackPaths(home).state, { version: 1, startedAt: new Date().toISOString(), services: { postgres: external, nats: external, temporal: external }, processes: {} });
  return home;
}

const spec = (name: string, script: string): ProcessSpec => ({ name, command: process.execPath, args: ['-e', script], env: process.env, ready: async () => true });
const pidOf = (home: string, name: string) => readState(stackPaths(home).state)!.processes[name]!.pid;

describe('Supervisor', () => {
  const started: number[] = [];
  afterEach(async () => {
    for (const pid of started.splice(0)) if (isAlive(pid)) await stopProcessGroup(pid, 2_000);
  });

  it('starts a process that died again, records its new pid and logs it', async () => {
    const home = stack();
    const marker = join(home, 'crashed-once');
    // Exits the first time; the second time it stays up.
    const flaky = spec(
      'gateway',
      `const fs=require('fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(3); } setInterval(() => {}, 1000);`,
    );
    const first = await startProcess(home, flaky);
    const lines: string[] = [];
    const abort = new AbortController();
    const running = new Supervisor(home, [flaky], (l) => lines.push(l), quick).run(abort.signal);
    await waitFor(
      async () => {
        const pid = pidOf(home, 'gateway');
        if (pid === first.pid || !isAlive(pid)) throw new Error('not restarted yet');
        return pid;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    started.push(pidOf(home, 'gateway'));
    abort.abort();
    expect(await running).toEqual({ stopped: true });
    expect(existsSync(marker)).toBe(true);
    expect(lines[0]).toMatch(new RegExp(`^gateway \\(pid ${first.pid}\\) is not running; starting it again in 50 ms \\(restart 1 of at most 2 in 1 min\\)$`));
    expect(lines[1]).toBe(`gateway restarted (pid ${pidOf(home, 'gateway')}) and ready`);
  });

  it('gives up on a process that keeps dying, and says why', async () => {
    const home = stack();
    const crashing = spec('worker', 'setTimeout(() => process.exit(1), 100);');
    await startProcess(home, crashing);
    const lines: string[] = [];
    const outcome = await new Supervisor(home, [crashing], (l) => lines.push(l), quick).run(new AbortController().signal);
    expect(outcome).toEqual({ gaveUp: expect.stringMatching(/^worker went down 3 times within 60 s; not restarting it again \(see .*\/logs\/worker\.log\)$/) });
    expect(lines.filter((l) => l.includes('is not running; starting it again'))).toHaveLength(2);
    expect(lines.at(-1)).toBe((outcome as { gaveUp: string }).gaveUp);
  });

  it('counts a restart that never becomes ready, and keeps trying within the limit', async () => {
    const home = stack();
    let readyCalls = 0;
    const neverReady: ProcessSpec = {
      ...spec('console', 'setInterval(() => {}, 1000);'),
      readyTimeoutMs: 200,
      ready: async () => {
        readyCalls++;
        throw new Error('not listening');
      },
    };
    const lines: string[] = [];
    const outcome = await new Supervisor(home, [neverReady], (l) => lines.push(l), quick).run(new AbortController().signal);
    started.push(pidOf(home, 'console'));
    expect('gaveUp' in outcome).toBe(true);
    expect(readyCalls).toBeGreaterThan(1);
    expect(lines.filter((l) => l.startsWith('console did not come back: console did not become ready: not listening'))).toHaveLength(2);
  });
});
