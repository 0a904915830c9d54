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
