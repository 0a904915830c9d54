import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '@palisade/bus';
import { AgentHeartbeat, type AgentStatus } from '@palisade/contracts';
import type { Logger } from 'pino';

const MAX_AGENTS = 100_000;

/**
 * Listens to agent heartbeats (core NATS) and remembers each agent's last one; an agent not heard
 * from for `staleMs` (three of its default 10 s beats) is shown as not alive. A heartbeat that
 * does not parse is dropped (and counted), never trusted.
 */
export function trackAgents(log: Logger, staleMs: number): { attach: (nc: NatsConnection) => void; list: () => AgentStatus[]; alive: (cluster: string, node: string) => boolean; stop: () => void } {
  const last = new Map<string, { beat: AgentHeartbeat; at: number }>();
  let subscription: Subscription | undefined;
  let rejected = 0;
  return {
    attach(nc) {
      subscription = nc.subscribe(subjects.allAgentHeartbeats, {
        callback: (error, message) => {
          if (error) return;
          let parsed;
          try {
            parsed = AgentHeartbeat.safeParse(message.json());
          } catch {
            parsed = undefined;
          }
          if (!parsed?.success) {
            if (rejected++ % 1000 === 0) log.warn({ subject: message.subject, rejected }, 'dropped a malformed agent heartbeat');
            return;
          }
          // The subject is what NATS permissions bind to a node: a body naming another node is not believed.
          if (message.subject !== subjects.agentHeartbeat(parsed.data.cluster, parsed.data.node)) {
            if (rejected++ % 1000 === 0) log.warn({ subject: message.subject, rejected }, 'dropped an agent heartbeat whose body names another node than its subject');
            return;
          }
          const key = `${parsed.data.cluster}/${parsed.data.node}`;
          if (!last.has(key) && last.size >= MAX_AGENTS) return;
          last.set(key, { beat: parsed.data, at: Date.now() });
        },
      });
    },
    list() {
      const now = Date.now();
      return [...last.values()]
        .map(({ beat, at }) => {
          const age = Math.max(0, Math.round((now - at) / 100) / 10);
          const alive = now - at <= staleMs;
          return {
            cluster: beat.cluster,
            node: beat.node,
            agentVersion: beat.agentVersion,
            lastSeen: new Date(at).toISOString(),
            uptimeSeconds: beat.uptimeSeconds,
            heartbeatAgeSeconds: age,
            alive,
            state: alive ? (beat.status?.state ?? 'failed') : 'offline',
            release: beat.status?.release ?? null,
            lastError: !alive ? `not heard from for ${Math.round(age)} s` : beat.status ? beat.status.lastError : 'the agent reports no applied release',
            lastDrift: beat.status?.lastDrift ?? null,
          } satisfies AgentStatus;
        })
        .sort((a, b) => (a.cluster + '/' + a.node < b.cluster + '/' + b.node ? -1 : 1));
    },
    alive(cluster, node) {
      const seen = last.get(`${cluster}/${node}`);
      return seen !== undefined && Date.now() - seen.at <= staleMs;
    },
    stop() {
      subscription?.unsubscribe();
    },
  };
}
