import { ClusterName, envFields, NodeName, parseEnv } from '@palisade/contracts';
import { z } from 'zod';

export const agentEnvShape = {
  NATS_URL: envFields.natsUrl,
  PALISADE_CLUSTER: ClusterName,
  PALISADE_NODE: NodeName,
  PALISADE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
};

export type AgentConfig = ReturnType<typeof loadAgentConfig>;

export function loadAgentConfig(env: Record<string, string | undefined>) {
  return parseEnv('agent', agentEnvShape, env);
}
