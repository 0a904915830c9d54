import { InputError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO time, or a duration ago ("90s", "15m", "2h", "7d"). */
export function parseTime(option: string, value: string, now = Date.now()): Date {
  const relative = /^(\d{1,9})([smhd])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!);
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime()))
    throw new InputError(`${option} ${JSON.stringify(value)} is neither a time (2026-11-29T10:00:00Z) nor a duration ago (15m, 2h, 7d)`);
  return time;
}
