import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findWorkspaceRoot } from '@palisade/stack';

export const root = findWorkspaceRoot(import.meta.dirname)!;
export const palisadeBin = join(root, 'apps', 'cli', 'bin', 'palisade.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  killed: boolean;
}

/** Environment without the service variables, so the CLI starts its own private services. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'NATS_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PALISADE_HOME']) delete env[key];
  return { ...env, ...extra };
}

/** Runs `palisade <args>` to completion (killed after `timeoutMs`, which then fails the caller). */
export function palisade(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [palisadeBin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, killed });
    });
  });
}
