import { envFields, parseEnv, serviceEnvShape } from '@palisade/contracts';
import { z } from 'zod';

export const gatewayEnvShape = {
  ...serviceEnvShape,
  /**
   * The writers' key (base64, at least 32 bytes): every event is stored with an HMAC under it and
   * readers refuse events without one. Keep it out of the database and its backups; `palisade up`
   * makes one in the stack home.
   */
  PALISADE_EVENT_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v.trim()) && Buffer.from(v.trim(), 'base64').length >= 32, 'must be at least 32 random bytes in base64 (openssl rand -base64 32)'),
  /** Who applies migrations and grants the application role (the database owner); default DATABASE_URL. */
  DATABASE_MIGRATION_URL: envFields.postgresUrl.optional(),
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: envFields.port.default(4000),
  /** Requests larger than this are refused with 413 before they are parsed. */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Requests per second each API token may make on average, and at once. */
  GATEWAY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(200),
  GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(400),
  /** A request taking longer than this is answered 503 and its connection closed. */
  GATEWAY_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** How long a checked API token is trusted before PostgreSQL is asked again (0: every request). */
  GATEWAY_TOKEN_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /** Events committed but not on NATS for longer than this make the gateway unready. */
  GATEWAY_OUTBOX_MAX_LAG_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often the chain's head is looked at and, when it moved, anchored on JetStream. */
  GATEWAY_ANCHOR_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** How long start-up waits for PostgreSQL to answer (a database restarting beside the gateway) before giving up. */
  GATEWAY_STARTUP_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /**
   * The NATS operator-mode keys (a JSON file, mode 0600, that `palisade up` makes): with it the
   * gateway issues each joining agent a user JWT bound to its cluster and node, and pushes
   * revocations. Without it agents get no NATS credentials of their own (a NATS without auth).
   */
  NATS_AUTH_FILE: z.string().min(1).optional(),
  /** Copies JetStream keeps of each stream and bucket: 1 on one server, 3 on a NATS cluster. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** The NATS servers agents are told to use (comma-separated, no credentials); default: NATS_URL's servers. */
  AGENT_NATS_URL: z.string().min(1).optional(),
  /** Flow records older than this many days are dropped (whole days at a time). */
  GATEWAY_FLOW_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** An agent not heard from for this long is shown as not alive. */
  GATEWAY_AGENT_STALE_SECONDS: z.coerce.number().int().min(1).default(30),
};

export type GatewayConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined>) {
  return parseEnv('gateway', gatewayEnvShape, env);
}
