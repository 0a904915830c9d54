import { envFields, parseEnv, serviceEnvShape } from '@palisade/contracts';
import { z } from 'zod';

export const gatewayEnvShape = {
  ...serviceEnvShape,
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: envFields.port.default(4000),
  /** Requests larger than this are refused with 413 before they are parsed. */
  GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
};

export type GatewayConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined>) {
  return parseEnv('gateway', gatewayEnvShape, env);
}
