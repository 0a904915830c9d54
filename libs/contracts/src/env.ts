import { z } from 'zod';
import { TASK_QUEUES } from './platform.js';

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Bad configuration, naming every variable that is wrong and why. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`${service}: invalid configuration: ${issues.map((i) => `${i.variable} ${i.message}`).join('; ')}`);
  }
}

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');

// Regular expressions rather than URL: this module also runs where only ECMAScript is promised.
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be a postgres:// URL');

const natsUrl = z.string().refine((v) => v.split(',').every((s) => /^(nats|tls|ws|wss):\/\/[^\s/]+\/?$/.test(s.trim())), 'must be one or more comma-separated nats:// URLs');

const port = z.coerce.number().int().min(0).max(65535);

/** Environment variables shared by the backend processes (gateway, worker). */
export const serviceEnvShape = {
  DATABASE_URL: postgresUrl,
  NATS_URL: natsUrl,
  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** The task queue rollout workflows run on (gateway and worker must agree; tests use one each). */
  TEMPORAL_TASK_QUEUE: z.string().min(1).max(200).default(TASK_QUEUES.rollouts),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const envFields = { hostPort, postgresUrl, natsUrl, port };

/**
 * Parses environment variables with a zod shape. Every problem is reported at once, by variable
 * name, and values are never echoed back (they may hold passwords).
 */
export function parseEnv<S extends z.ZodRawShape>(service: string, shape: S, env: Record<string, string | undefined>): z.infer<z.ZodObject<S>> {
  const cleaned = Object.fromEntries(Object.keys(shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = z.object(shape).safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    service,
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '?'),
      message: issue.code === 'invalid_type' && cleaned[String(issue.path[0])] === undefined ? 'is required' : issue.message,
    })),
  );
}
