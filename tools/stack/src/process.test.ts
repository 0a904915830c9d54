import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, run, startDetached, stopProcessGroup } from './process.js';
import { waitFor } from './wait.js';

describe('processes', () => {
  it('runs a command to completion and captures its output, without throwing on failure', async () => {
    const ok = await run(process.execPath, ['-e', 'console.log("out"); console.error("err")']);
    expect(ok).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    const bad = await run(process.execPath, ['-e', 'process.exit(7)']);
    expect(bad.code).toBe(7);
    const missing = await run('/nonexistent/binary', []);
    expect(missing.code).toBe(127);
  });

  it('kills a command that outlives its timeout', async () => {
    const slow = await run(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 200 });
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain('timed out after 200 ms');
  });

  it('stops a detached process together with the children it started', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'palisade-proc-')), 'child.log');
    // The shell starts a grandchild and reports its pid; both must die with the group.
    const child = startDetached('/bin/sh', ['-c', 'sleep 120 & echo $!; wait'], { logFile: log });
    const grandchild = await waitFor(
      async () => {
        const pid = Number(readFileSync(log, 'utf8').trim());
        if (!pid) throw new Error('no pid yet');
        return pid;
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(isAlive(child.pid)).toBe(true);
    expect(isAlive(grandchild)).toBe(true);
    expect(await stopProcessGroup(child.pid, 5_000)).toBe(true);
    await waitFor(
      async () => {
        if (isAlive(grandchild)) throw new Error('grandchild still alive');
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(isAlive(child.pid)).toBe(false);
  });
});
