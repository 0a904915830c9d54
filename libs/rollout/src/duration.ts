/** Longest duration a plan may name (a soak of a week is already unusual). */
export const MAX_DURATION_MS = 30 * 24 * 3600 * 1000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as Kubernetes and Temporal write them: "0s", "90s", "5m", "1h30m", "250ms".
 * Returns the milliseconds, or a reason it is not one.
 */
export function parseDuration(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!/^(\d+(ms|s|m|h))+$/.test(trimmed)) return `${JSON.stringify(text)} is not a duration: write it as 30s, 5m, 1h30m or 0s`;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(n) * UNIT_MS[unit!]!;
  if (total > MAX_DURATION_MS) return `${JSON.stringify(text)} is longer than 30 days`;
  return total;
}

/** The shortest way to write `ms` back: 0s, 45s, 5m, 1h30m. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
