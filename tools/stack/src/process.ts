import { spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { sleep } from './wait.js';

/** Finds an executable on PATH or in the extra directories given (in that order). */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output; never throws for a non-zero exit. */
export function run(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number; input?: string; onStderr?: (chunk: string) => void } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const { timeoutMs, input, onStderr, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      onStderr?.(text);
    });
    const timer = timeoutMs
      ? setTimeout(() => {
          stderr += `\n(timed out after ${timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + error.message });
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    }
  });
}

/**
 * Starts a long-running process in its own process group, detached from ours, with its
 * output appended to `logFile`. Returns its pid; the process group id is the same number,
 * which is what `stopProcessGroup` signals, so helpers it spawns are stopped with it.
 */
export function startDetached(
  command: string,
  args: string[],
  { logFile, cwd, env }: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): { pid: number; exited: () => boolean; exitCode: () => number | null } {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    let exited = false;
    let exitCode: number | null = null;
    child.on('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? (signal ? 128 : null);
    });
    child.on('error', () => {
      exited = true;
    });
    child.unref();
    return { pid: child.pid, exited: () => exited, exitCode: () => exitCode };
  } finally {
    closeSync(fd);
  }
}

/**
 * True while a process with this pid runs. A zombie (exited, not yet reaped by a parent
 * that never reaps, as PID 1 in some containers) counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state letter.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * SIGTERM to the whole process group, then SIGKILL after `graceMs`.
 * Resolves once the leader is gone. Returns false if it had to be killed.
 */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<boolean> {
  if (!isAlive(pid)) return true;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  const hardDeadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < hardDeadline) await sleep(100);
  return false;
}
