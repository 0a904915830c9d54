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

/** What an agent publishes periodically so the platform knows it is alive. */
export const AgentHeartbeat = z.object({
  cluster: ClusterName,
  node: NodeName,
  agentVersion: z.string(),
  sentAt: z.iso.datetime(),
  uptimeSeconds: z.number().nonnegative(),
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;

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
});
export type AgentStatus = z.infer<typeof AgentStatus>;
