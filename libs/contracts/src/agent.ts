import { z } from 'zod';

/** Kubernetes-style names (RFC 1123 labels, dots allowed for node names like ip-10-0-0-1.internal). */
export const NodeName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be lower-case letters, digits, "-" and "." (a DNS name)');

export const ClusterName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lower-case letters, digits and "-" (a DNS label)');

/** An out-of-band change an agent found in its node's ruleset (and undid): when, and what changed. */
export const LastDrift = z.object({ at: z.iso.datetime(), change: z.string().max(4_000) }).strict();
export type LastDrift = z.infer<typeof LastDrift>;

/** What an agent publishes periodically so the platform knows it is alive. */
export const AgentHeartbeat = z.object({
  cluster: ClusterName,
  node: NodeName,
  agentVersion: z.string(),
  sentAt: z.iso.datetime(),
  uptimeSeconds: z.number().nonnegative(),
  /** What the node enforces: absent from an agent that enforces nothing yet. */
  status: z
    .object({
      state: z.enum(['applied', 'drifted', 'failed']),
      /** The release it enforces (its hash), if any. */
      release: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      lastError: z.string().max(2_000).nullable(),
      /** The last out-of-band change found in its ruleset and undone (agents before 0.2 do not send it). */
      lastDrift: LastDrift.nullable().optional(),
    })
    .strict()
    .optional(),
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;

/** A node as the platform shows it: never an offline node shown as healthy. */
export const NodeState = z.enum(['applied', 'drifted', 'failed', 'offline']);
export type NodeState = z.infer<typeof NodeState>;

/** An agent as the gateway last heard from it. */
export const AgentStatus = z.object({
  cluster: ClusterName,
  node: NodeName,
  agentVersion: z.string(),
  lastSeen: z.iso.datetime(),
  uptimeSeconds: z.number().nonnegative(),
  /** Seconds since the gateway last heard from it, by the gateway's clock. */
  heartbeatAgeSeconds: z.number().nonnegative(),
  /** Heard from within three heartbeat intervals. */
  alive: z.boolean(),
  /** offline when not alive; otherwise what the agent reports (failed when it reports no applied release). */
  state: NodeState,
  release: z.string().nullable(),
  lastError: z.string().nullable(),
  /** The last drift the agent found and undid, with what changed. */
  lastDrift: LastDrift.nullable(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;
