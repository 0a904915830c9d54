import { connect, type NatsConnection } from '@nats-io/transport-node';
import { buckets, ensureBucket, kvKeys, releaseContentHash, writeReleaseContent, type ReleaseContentBody } from '@palisade/bus';
import { parseNatsUrl, type DesiredRelease } from '@palisade/contracts';
import { parseDocuments, type Resource } from '@palisade/engine';
import { startTestNats } from '@palisade/testing';

export function resources(yaml: string): Resource[] {
  const parsed = parseDocuments(yaml);
  if (parsed.errors.length) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('; '));
  return parsed.resources;
}

export const workload = (node: string, pod: string, ip: string, labels: Record<string, string>, ns = 'shop'): string => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${node}-k8s-${pod}-eth0, namespace: ${ns}, labels: ${JSON.stringify(labels)}}
spec: {orchestrator: k8s, node: ${node}, pod: ${pod}, endpoint: eth0, interfaceName: pal${pod.slice(0, 8)}, ipNetworks: [${ip}/32], profiles: [kns.${ns}]}
`;

export const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

export function release(yaml: string): { hash: string; body: ReleaseContentBody } {
  const list = resources(yaml).map((resource) => ({ key: `${resource.kind}/${resource.metadata.namespace ? `${resource.metadata.namespace}/` : ''}${resource.metadata.name}`, resource }));
  list.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { hash: releaseContentHash(list), body: { revision: 1, resources: list } };
}

/** What the platform does for a cluster: the release's content, then the desired release. */
export async function publishDesired(nc: NatsConnection, cluster: string, r: { hash: string; body: ReleaseContentBody }, version: number): Promise<void> {
  await writeReleaseContent(await ensureBucket(nc, buckets.releases), cluster, r.hash, r.body);
  const value: DesiredRelease = { cluster, release: r.hash, version, setAt: new Date().toISOString() };
  await (await ensureBucket(nc, buckets.desired)).put(kvKeys.desired(cluster), JSON.stringify(value));
}

/** A nats-server of the test file's own, with the platform's buckets. */
export async function natsWithBuckets(name: string) {
  const record = await startTestNats(name);
  const connectAs = (what: string) => connect({ ...parseNatsUrl(record.url), name: what, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const nc = await connectAs('test-platform');
  for (const b of Object.values(buckets)) await ensureBucket(nc, b);
  return {
    url: record.url,
    authFile: record.authFile,
    server: record,
    nc,
    connectAs,
    stop: async () => {
      await nc.close().catch(() => undefined);
      await record.stop();
    },
  };
}

export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
