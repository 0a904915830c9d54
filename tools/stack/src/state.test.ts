import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackError } from './errors.js';
import { acquireLock, readState, writeState, type StackState } from './state.js';

const dir = () => mkdtempSync(join(tmpdir(), 'palisade-stack-'));

const sample: StackState = {
  version: 1,
  startedAt: '2026-11-29T00:00:00.000Z',
  services: {
    postgres: { mode: 'private', url: 'postgres://p:x@127.0.0.1:1/p', listen: '127.0.0.1:1', pid: 10, details: { dataDir: '/d' } },
    nats: { mode: 'external', url: 'nats://127.0.0.1:2', listen: '127.0.0.1:2', details: {} },
    temporal: { mode: 'private', url: '127.0.0.1:3', listen: '127.0.0.1:3', pid: 11, details: { namespace: 'default' } },
  },
  processes: { gateway: { pid: 12, url: 'http://127.0.0.1:4', log: '/l' } },
};

describe('state file', () => {
  it('round-trips, and is absent before the first write', () => {
    const file = join(dir(), 'state.json');
    expect(readState(file)).toBeUndefined();
    writeState(file, sample);
    expect(readState(file)).toEqual(sample);
  });

  it('refuses a file that is not a stack state, naming it', () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ version: 2 }));
    expect(() => readState(file)).toThrow(StackError);
    expect(() => readState(file)).toThrow(file);
  });
});

describe('stack lock', () => {
  it('is exclusive while held and free once released', async () => {
    const file = join(dir(), 'stack.lock');
    const release = await acquireLock(file, 0);
    await expect(acquireLock(file, 300)).rejects.toMatchObject({ code: 'LOCKED' });
    release();
    const again = await acquireLock(file, 0);
    again();
  });

  it('waits for a holder that releases within the wait', async () => {
    const file = join(dir(), 'stack.lock');
    const release = await acquireLock(file, 0);
    setTimeout(release, 300);
    const second = await acquireLock(file, 5_000);
    second();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const file = join(dir(), 'stack.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(file, dead);
    const release = await acquireLock(file, 0);
    release();
  });
});
