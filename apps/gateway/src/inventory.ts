import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, kvKeys, openBucket } from '@palisade/bus';
import { NodeInventory } from '@palisade/contracts';

/**
 * A cluster's inventory as its agents last reported it (PALISADE_INVENTORY): one entry per node,
 * read when asked (the bucket is the truth; nothing is cached that could go stale).
 */
export async function readClusterInventory(nc: NatsConnection, cluster: string): Promise<NodeInventory[]> {
  const kv = await openBucket(nc, buckets.inventory);
  const keys: string[] = [];
  for await (const key of await kv.keys(kvKeys.clusterNodes(cluster))) keys.push(key);
  const out: NodeInventory[] = [];
  for (const key of keys.sort()) {
    const entry = await kv.get(key);
    if (entry?.operation !== 'PUT') continue;
    const parsed = NodeInventory.safeParse(JSON.parse(entry.string()));
    if (parsed.success && parsed.data.cluster === cluster) out.push(parsed.data);
  }
  return out;
}
