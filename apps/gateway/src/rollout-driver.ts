import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '@palisade/bus';
import type { AgentStatus, NodeStatusReport } from '@palisade/contracts';
import { DomainError, endRollout, recordRolloutStep, setDesiredRelease, type RolloutStep } from '@palisade/domain';
import type { DbClient } from '@palisade/event-store';
import { windowTraffic } from '@palisade/flow-store';
import { activeTraceparent, contextFromHeaders, inSpan, SpanKind, SpanStatusCode, type Span } from '@palisade/telemetry';
import { DriveRequests, judgeAcks, judgeTraffic, type DriveOperation, type DriveReply, type NodeAck } from '@palisade/rollout';
import type { Logger } from 'pino';

export interface RolloutDriverDeps {
  db: DbClient;
  /** Each node's last status in a cluster (the gateway follows PALISADE_NODES). */
  nodes: (cluster: string) => NodeStatusReport[];
  alive: (cluster: string, node: string) => boolean;
  /** Agents heard from by heartbeat: a node that has not written a status yet still counts. */
  agents: () => AgentStatus[];
  log: Logger;
}

const QUEUE = 'palisade-gateway';
const actorOf = (rollout: string, given?: string) => given ?? `rollout:${rollout}`;

/**
 * Answers the rollout worker's requests (subjects.rolloutDrive): the worker orchestrates on
 * Temporal and holds no database credentials, so the gateway does each write and read for it,
 * checked with zod and recorded with the rollout (or the approver it names) as the actor. Gateways
 * share the work in one queue group.
 */
export function serveRolloutDrive(nc: NatsConnection, deps: RolloutDriverDeps): { stop: () => void } {
  const operations: { [O in DriveOperation]: (input: ReturnType<(typeof DriveRequests)[O]['parse']>) => Promise<unknown> } = {
    setRelease: async (r) => {
      // The trace goes into the event, so the agents' apply (reached through the log) joins it.
      const trace = activeTraceparent();
      const set = await setDesiredRelease(deps.db, r.cluster, r.release, { actor: actorOf(r.rollout), reason: `${r.purpose} ${r.rollout} (wave ${r.wave})` }, trace ? { trace } : {});
      return { changed: set.changed, before: set.before, at: new Date().toISOString() };
    },
    acks: async (r) => judgeAcks(clusterNodes(r.cluster), r.release, r.gates),
    traffic: async (r) => {
      const window = (w: { from: string; to: string }) => windowTraffic(deps.db, { cluster: r.cluster, from: new Date(w.from), to: new Date(w.to) });
      return judgeTraffic(await window(r.baseline), await window(r.soak), r.gates);
    },
    step: async (r) => {
      await recordRolloutStep(deps.db, r.rollout, r.step as RolloutStep, r.payload, r.eventId, { actor: actorOf(r.rollout, r.actor), ...(r.reason ? { reason: r.reason } : {}) });
      return {};
    },
    end: async (r) => {
      await endRollout(deps.db, r.rollout, r.outcome, { ...(r.reason ? { reason: r.reason } : {}), ...(r.evidence !== undefined ? { evidence: r.evidence } : {}) }, r.eventId, {
        actor: actorOf(r.rollout, r.actor),
      });
      return {};
    },
  };

  /** Every node of the cluster: those with a status, and those only heard from (no ack yet). */
  function clusterNodes(cluster: string): NodeAck[] {
    const out = new Map<string, NodeAck>();
    for (const a of deps.agents()) if (a.cluster === cluster) out.set(a.node, { node: a.node, state: a.alive ? 'applied' : 'offline', release: null, attempted: null, error: null });
    for (const s of deps.nodes(cluster)) out.set(s.node, { node: s.node, state: deps.alive(cluster, s.node) ? s.state : 'offline', release: s.release, attempted: s.attempted, error: s.error });
    return [...out.values()];
  }

  /** One request, in a span that continues the activity's trace (its traceparent header). */
  function handle(message: Msg): Promise<void> {
    const operation = message.subject.split('.').at(-1) ?? '';
    const parent = contextFromHeaders((name) => message.headers?.get(name));
    return inSpan(`rollout drive ${operation}`, { kind: SpanKind.SERVER, parent, attributes: { 'messaging.destination.name': message.subject } }, (span) =>
      answer(message, operation as DriveOperation, span),
    );
  }

  async function answer(message: Msg, operation: DriveOperation, span: Span): Promise<void> {
    let reply: DriveReply<unknown>;
    try {
      const schema = DriveRequests[operation];
      if (!schema) throw new DomainError('VALIDATION_FAILED', `no rollout operation ${operation}`);
      const parsed = schema.safeParse(message.json());
      if (!parsed.success) throw new DomainError('VALIDATION_FAILED', `${operation}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
      reply = { ok: true, result: await (operations[operation] as (input: unknown) => Promise<unknown>)(parsed.data) };
    } catch (error) {
      const permanent = error instanceof DomainError && error.code !== 'CONFLICT';
      if (!permanent) deps.log.warn({ err: error, operation }, 'a rollout request failed; the worker will retry it');
      reply = { ok: false, error: (error as Error).message, retryable: !permanent };
      span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error });
    }
    message.respond(JSON.stringify(reply));
  }

  const subscription: Subscription = nc.subscribe(subjects.allRolloutDrive, { queue: QUEUE, callback: (error, message) => (error ? undefined : void handle(message)) });
  return { stop: () => subscription.unsubscribe() };
}
