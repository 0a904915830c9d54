import { z } from 'zod';

/** What a readiness check looks at: the three backing services, and Temporal workers. */
export const DependencyName = z.enum(['postgres', 'nats', 'temporal', 'worker']);
export type DependencyName = z.infer<typeof DependencyName>;

export const DependencyCheck = z.object({
  name: DependencyName,
  ok: z.boolean(),
  /** A required dependency that is down makes the service unready; an optional one only shows. */
  required: z.boolean(),
  /** Where it was checked, with any password masked. */
  target: z.string(),
  latencyMs: z.number().nonnegative(),
  /** Version when up, the reason when down. */
  detail: z.string(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'unavailable']),
  service: z.string(),
  version: z.string(),
  startedAt: z.iso.datetime(),
  checks: z.array(DependencyCheck),
});
export type HealthReport = z.infer<typeof HealthReport>;

/** The overall status: unavailable as soon as one required dependency is down. */
export function summarize(checks: DependencyCheck[]): HealthReport['status'] {
  return checks.every((c) => c.ok || !c.required) ? 'ok' : 'unavailable';
}
