import { z } from 'zod';

/** What a readiness check looks at: the three backing services, Temporal workers, and the outbox (events reaching NATS). */
export const DependencyName = z.enum(['postgres', 'nats', 'temporal', 'worker', 'outbox']);
export type DependencyName = z.infer<typeof DependencyName>;

export const DependencyCheck = z.object({
  name: DependencyName,
  ok: z.boolean(),
  /** A required dependency that is down makes the service unready; an optional one only shows. */
  required: z.boolean(),
  /** Where it was checked, with any password masked (details: only for a caller with a token). */
  target: z.string().optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** Version when up, the reason when down. */
  detail: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'unavailable']),
  service: z.string(),
  version: z.string().optional(),
  startedAt: z.iso.datetime().optional(),
  checks: z.array(DependencyCheck),
});
export type HealthReport = z.infer<typeof HealthReport>;

/** The overall status: unavailable as soon as one required dependency is down. */
export function summarize(checks: DependencyCheck[]): HealthReport['status'] {
  return checks.every((c) => c.ok || !c.required) ? 'ok' : 'unavailable';
}

/**
 * What anyone may see: up or down per dependency. Hosts, ports, database and user names, server
 * versions and queue names help an attacker map the platform, so they need a token.
 */
export function publicHealth(report: HealthReport): HealthReport {
  return { status: report.status, service: report.service, checks: report.checks.map((c) => ({ name: c.name, ok: c.ok, required: c.required })) };
}
