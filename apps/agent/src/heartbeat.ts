import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@palisade/bus';
import type { AgentHeartbeat } from '@palisade/contracts';

export interface HeartbeatOptions {
  cluster: string;
  node: string;
  version: string;
  intervalMs: number;
  now?: () => Date;
}

/**
 * Publishes a heartbeat now and then every interval until stopped. Heartbeats are core NATS
 * messages: a missed one only means "not seen lately", so they need no storage.
 */
export function startHeartbeat(nc: NatsConnection, options: HeartbeatOptions): () => void {
  const now = options.now ?? (() => new Date());
  const started = now().getTime();
  const subject = subjects.agentHeartbeat(options.cluster, options.node);
  const beat = () => {
    const at = now();
    const message: AgentHeartbeat = {
      cluster: options.cluster,
      node: options.node,
      agentVersion: options.version,
      sentAt: at.toISOString(),
      uptimeSeconds: Math.max(0, (at.getTime() - started) / 1000),
    };
    nc.publish(subject, JSON.stringify(message));
  };
  beat();
  const timer = setInterval(beat, options.intervalMs);
  return () => clearInterval(timer);
}
