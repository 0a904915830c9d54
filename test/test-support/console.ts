// The built console (`next start`) against a test gateway: as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pickPort } from '@palisade/stack';
import { root } from '../support/cli.js';

export interface TestConsole {
  origin: string;
  /** Everything the console's server printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startTestConsole(gatewayUrl: string): Promise<TestConsole> {
  const port = await pickPort();
  const origin = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(process.execPath, [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: join(root, 'apps', 'console'),
    // No CONSOLE_SESSION_KEY: the console's own per-process key must serve its pages and routes alike.
    env: { ...process.env, PALISADE_GATEWAY_URL: gatewayUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  for (let i = 0; ; i++) {
    const up = await fetch(`${origin}/signin`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || i > 300) throw new Error(`the console did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}
