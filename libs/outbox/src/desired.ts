import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, ensureBucket, hasReleaseContent, kvKeys, removeReleaseContent, writeReleaseContent } from '@palisade/bus';
import { DesiredRelease, ReleaseHead } from '@palisade/contracts';
import { desiredReleaseChanges, releaseContent, type DesiredReleaseChange } from '@palisade/domain';
import type { Db, HorizonNotifier } from '@palisade/event-store';
import { activeTraceparent, contextFromTraceparent, inSpan, SpanKind } from '@palisade/telemetry';

export interface DesiredPublisherStatus {
  /** The log position up to which every desired release is published. */
  position: number;
  /** Desired releases published since start. */
  published: number;
}

/**
 * Publishes what the log says each cluster must run: for every desired release set, the
 * release's content for that cluster's agents (checked against its hash first), then the
 * desired release itself, in that order, so an agent that sees a desired release can always
 * fetch it. Reads the log up to the committed horizon, so none is missed or taken early. Several
 * gateways may run it: the values they write are the same. Each cluster keeps its current and
 * previous releases' content; older ones are removed.
 */
export function desiredStatePublisher(db: Db, nc: NatsConnection, horizon: HorizonNotifier) {
  let kv: { desired: KV; releases: KV } | undefined;
  const status: DesiredPublisherStatus = { position: 0, published: 0 };

  /** Publishing is a step of the trace that set the release (when one was recorded with it). */
  function publish(change: DesiredReleaseChange): Promise<void> {
    if (!change.trace) return put(change);
    const attributes = { 'palisade.cluster': change.cluster, 'palisade.release': change.release, 'palisade.position': change.position };
    return inSpan('publish desired release', { kind: SpanKind.PRODUCER, parent: contextFromTraceparent(change.trace), attributes }, () => put(change, activeTraceparent() ?? change.trace));
  }

  async function put(change: DesiredReleaseChange, trace?: string): Promise<void> {
    const { desired, releases } = kv!;
    const current = await desired.get(kvKeys.desired(change.cluster));
    const parsed = current?.operation === 'PUT' ? DesiredRelease.safeParse(safeJson(current.string())) : undefined;
    // Already there, or something newer is (another gateway got further): nothing to do.
    if (parsed?.success && parsed.data.version >= change.version) return;
    if (!(await hasReleaseContent(releases, change.cluster, change.release))) {
      const content = await releaseContent(db, change.release);
      await writeReleaseContent(releases, change.cluster, change.release, content);
    }
    const value: DesiredRelease = { cluster: change.cluster, release: change.release, version: change.version, setAt: change.at.toISOString(), ...(trace ? { trace } : {}) };
    await desired.put(kvKeys.desired(change.cluster), JSON.stringify(value));
    status.published++;
    await prune(releases, change.cluster, [change.release, ...(parsed?.success ? [parsed.data.release] : [])]);
  }

  /** One round: every desired release set since the last round. Returns how many it looked at. */
  async function step(): Promise<number> {
    kv ??= { desired: await ensureBucket(nc, buckets.desired), releases: await ensureBucket(nc, buckets.releases) };
    const upTo = horizon.latest;
    if (upTo <= status.position) return 0;
    const changes = await desiredReleaseChanges(db, status.position, upTo);
    // Only each cluster's newest matters.
    const newest = new Map<string, DesiredReleaseChange>();
    for (const c of changes) newest.set(c.cluster, c);
    for (const change of newest.values()) await publish(change);
    status.position = upTo;
    return 0;
  }

  return { step, status };
}

async function prune(releases: KV, cluster: string, keep: string[]): Promise<void> {
  const heads: string[] = [];
  for await (const key of await releases.keys(`${cluster}.*`)) heads.push(key.slice(cluster.length + 1));
  for (const hash of heads) if (ReleaseHead.shape.release.safeParse(hash).success && !keep.includes(hash)) await removeReleaseContent(releases, cluster, hash);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
