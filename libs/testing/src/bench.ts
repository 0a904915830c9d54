import { arch, cpus, release, totalmem, type } from 'node:os';
import { createTestDatabase, type TestDatabase } from './database.js';
import { ensureTestServices } from './services.js';

export interface BenchMachine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

/** The machine a benchmark ran on, as every results.json records it. */
export function benchMachine(): BenchMachine {
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${type()} ${release()} ${arch()}`, node: process.version };
}

/**
 * A database of its own for a benchmark, on the test services (started if needed, or those the
 * environment names), as the harness's global setup gives one to each test file.
 */
export async function benchDatabase(label: string): Promise<TestDatabase> {
  const services = await ensureTestServices((line) => console.log(line));
  // What the harness's global setup does for tests: createTestDatabase reads these.
  process.env['DATABASE_URL'] ??= services.databaseUrl;
  process.env['NATS_URL'] ??= services.natsUrl;
  process.env['TEMPORAL_ADDRESS'] ??= services.temporalAddress;
  return createTestDatabase(label);
}

/** Rounded to `digits` decimals, for results files. */
export const round = (n: number, digits = 2) => +n.toFixed(digits);

/** The p-th percentile (nearest rank) of the samples; NaN for none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** How long `fn` took, with what it returned. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}
