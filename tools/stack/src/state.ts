import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { StackError } from './errors.js';
import { isAlive } from './process.js';
import { sleep } from './wait.js';

const ServiceRecord = z.object({
  /** external: reached through an environment variable; private: started by us under the stack home. */
  mode: z.enum(['external', 'private']),
  /** The value other processes get as DATABASE_URL / NATS_URL / TEMPORAL_ADDRESS. */
  url: z.string(),
  /** host:port, for people. */
  listen: z.string(),
  pid: z.number().int().positive().optional(),
  details: z.record(z.string(), z.string()).default({}),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

const ProcessRecord = z.object({
  pid: z.number().int().positive(),
  url: z.string().optional(),
  log: z.string(),
});
export type ProcessRecord = z.infer<typeof ProcessRecord>;

export const StackState = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  services: z.object({ postgres: ServiceRecord, nats: ServiceRecord, temporal: ServiceRecord }),
  processes: z.record(z.string(), ProcessRecord).default({}),
});
export type StackState = z.infer<typeof StackState>;

export function readState(file: string): StackState | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = StackState.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new StackError('BAD_CONFIG', 'stack', `${file} is not a stack state file: ${parsed.error.issues[0]?.message}`, `Stop any processes it named, then delete ${file}.`);
  }
  return parsed.data;
}

/** Writes through a temporary file and rename, so a reader never sees half a file. */
export function writeState(file: string, state: StackState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * An exclusive lock on one stack home, held by a pid. A lock left by a dead process is taken over.
 * Waits up to `waitMs` for a live holder (two test runners starting the same stack).
 */
export async function acquireLock(file: string, waitMs: number): Promise<() => void> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue;
    }
    if (!holder || !isAlive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StackError('LOCKED', 'stack', `another palisade process (pid ${holder}) is starting or stopping this stack (${file})`, 'Wait for it to finish, or stop it.');
    }
    await sleep(250);
  }
}
