import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, ensureBucket } from '@palisade/bus';
import { NodeStatusReport } from '@palisade/contracts';
import { reportObservedRelease } from '@palisade/domain';
import type { Db } from '@palisade/event-store';
import type { Logger } from 'pino';

export const OBSERVER_ACTOR = 'system:agents';

/**
 * Follows every node's status (PALISADE_NODES, written by agents) and moves a cluster's observed
 * release when its live nodes agree: every node heard from recently enforces the same release
 * and none failed or drifted. An offline node does not hold the cluster back, and is not counted
 * as having applied anything; the cluster's record says which release its live nodes run.
 */
export function observeNodes(db: Db, log: Logger, isAlive: (cluster: string, node: string) => boolean) {
  const statuses = new Map<string, Map<string, NodeStatusReport>>();
  const abort = new AbortController();
  const evaluating = new Set<string>();
  let kv: KV | undefined;

  async function evaluate(cluster: string): Promise<void> {
    if (evaluating.has(cluster)) return;
    evaluating.add(cluster);
    try {
      const live = [...(statuses.get(cluster)?.values() ?? [])].filter((s) => isAlive(cluster, s.node));
      if (!live.length || live.some((s) => s.state !== 'applied')) return;
      const releases = new Set(live.map((s) => s.release));
      const [release] = releases;
      if (releases.size !== 1 || !release) return;
      await reportObservedRelease(db, cluster, release, { actor: OBSERVER_ACTOR, reason: `${live.length} live node(s) applied it` });
    } catch (error) {
      log.warn({ err: error, cluster }, 'could not record the observed release; will try on the next status');
    } finally {
      evaluating.delete(cluster);
    }
  }

  return {
    async attach(nc: NatsConnection): Promise<void> {
      while (!abort.signal.aborted) {
        try {
          kv ??= await ensureBucket(nc, buckets.nodes);
          const iterator = await kv.watch({ key: '>' });
          abort.signal.addEventListener('abort', () => iterator.stop(), { once: true });
          for await (const entry of iterator) {
            const cluster = entry.key.split('.')[0]!;
            if (entry.operation !== 'PUT') {
              statuses.get(cluster)?.delete(entry.key);
              continue;
            }
            const parsed = NodeStatusReport.safeParse(safeJson(entry.string()));
            if (!parsed.success || parsed.data.cluster !== cluster) continue;
            let nodes = statuses.get(cluster);
            if (!nodes) statuses.set(cluster, (nodes = new Map()));
            nodes.set(entry.key, parsed.data);
            void evaluate(cluster);
          }
        } catch (error) {
          if (!abort.signal.aborted) log.warn({ err: error }, 'watching node statuses failed; watching again');
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    },
    /** Each node's last status, for `cluster get` and rollouts. */
    nodes(cluster: string): NodeStatusReport[] {
      return [...(statuses.get(cluster)?.values() ?? [])];
    },
    stop(): void {
      abort.abort();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
