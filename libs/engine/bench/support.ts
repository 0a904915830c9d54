// Shared by the benchmarks: a seeded PRNG, timing, percentiles and the machine's description.
import { cpus, totalmem, type, release, arch } from 'node:os';

/** A deterministic PRNG, so every run measures the same data. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** Median of several trials after a warm-up, so the JIT has compiled the hot paths. */
export function measure(trials: number, fn: () => number): { medianMs: number; bestMs: number; result: number } {
  fn();
  fn();
  const runs = Array.from({ length: trials }, () => time(fn));
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, bestMs: sorted[0]!, result: runs[0]!.result };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 2): number => +n.toFixed(digits);

export function machine() {
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${type()} ${release()} ${arch()}`, node: process.version };
}
