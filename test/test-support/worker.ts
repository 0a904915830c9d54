// The rollout worker's built process, on the Temporal test server and a gateway's NATS, polling a
// task queue of the test's own (so no other test's worker takes its workflows).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureTestServices } from '@palisade/testing';
import { root } from '../support/cli.js';

export interface TestWorker {
  log(): string;
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

export async function startTestWorker(natsUrl: string, taskQueue: string, env: Record<string, string> = {}): Promise<TestWorker> {
  const services = await ensureTestServices();
  let log = '';
  const worker: ChildProcess = spawn(process.execPath, [join(root, 'apps', 'worker', 'dist', 'main.js')], {
    env: { ...process.env, NATS_URL: natsUrl, TEMPORAL_ADDRESS: services.temporalAddress, TEMPORAL_NAMESPACE: services.temporalNamespace, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  worker.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  for (let i = 0; !log.includes('"msg":"polling"'); i++) {
    if (worker.exitCode !== null || i > 600) throw new Error(`the worker did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = () => new Promise((r) => (worker.exitCode !== null || worker.signalCode !== null ? r(undefined) : worker.once('exit', r)));
  return {
    log: () => log,
    stop: async () => {
      worker.kill('SIGTERM');
      await exited();
    },
    kill: async () => {
      worker.kill('SIGKILL');
      await exited();
    },
  };
}
