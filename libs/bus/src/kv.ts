import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { nodeKeyToken } from '@palisade/contracts';
import { streamReplicas } from './replicas.js';

/**
 * The KV buckets agents and the platform share. Each key starts with the cluster, so NATS
 * permissions can give an agent its own cluster's keys and nothing else. One value per key: what
 * counts is the newest (history for audit lives in the event log, not here).
 */
export const buckets = {
  /** `<cluster>`: the release the cluster must enforce (DesiredRelease), written by the platform. */
  desired: 'PALISADE_DESIRED',
  /** `<cluster>.<hash>` (ReleaseHead) and `<cluster>.<hash>.<i>` (gzipped chunks): release content for a cluster's agents. */
  releases: 'PALISADE_RELEASES',
  /** `<cluster>.<node>`: each node's status (NodeStatusReport), written by its agent: acks. */
  nodes: 'PALISADE_NODES',
  /** `<cluster>.<node>`: each node's endpoints (NodeInventory), written by its agent. */
  inventory: 'PALISADE_INVENTORY',
} as const;
export type BucketName = (typeof buckets)[keyof typeof buckets];

/** Chunks stay well under NATS's default 1 MB max_payload, whatever server the platform uses. */
export const RELEASE_CHUNK_BYTES = 512 * 1024;

export const kvKeys = {
  desired: (cluster: string) => cluster,
  releaseHead: (cluster: string, hash: string) => `${cluster}.${hash}`,
  releaseChunk: (cluster: string, hash: string, index: number) => `${cluster}.${hash}.${index}`,
  /** Every release key of a cluster (heads and chunks). */
  clusterReleases: (cluster: string) => `${cluster}.>`,
  node: (cluster: string, node: string) => `${cluster}.${nodeKeyToken(node)}`,
  clusterNodes: (cluster: string) => `${cluster}.*`,
} as const;

const CONFIG: Record<BucketName, Partial<KvOptions>> = {
  PALISADE_DESIRED: { history: 1 },
  // A chunk is at most RELEASE_CHUNK_BYTES; the bucket holds each cluster's current and previous releases.
  PALISADE_RELEASES: { history: 1, maxValueSize: RELEASE_CHUNK_BYTES + 1024 },
  PALISADE_NODES: { history: 1, maxValueSize: 64 * 1024 },
  PALISADE_INVENTORY: { history: 1, maxValueSize: 4 * 1024 * 1024 },
};

/** Creates the bucket (the platform does this at start-up) or binds to it as it is. */
export async function ensureBucket(nc: NatsConnection, name: BucketName): Promise<KV> {
  return new Kvm(nc).create(name, { ...CONFIG[name], replicas: streamReplicas() });
}

/** Every bucket agents bind to: the platform creates them at start-up, before any agent needs one. */
export async function ensureBuckets(nc: NatsConnection): Promise<void> {
  for (const name of Object.values(buckets)) await ensureBucket(nc, name);
}

/** Binds to a bucket the platform created, without the rights to create or change one (agents). */
export async function openBucket(nc: NatsConnection, name: BucketName): Promise<KV> {
  // Direct gets: a read is a request to $JS.API.DIRECT.GET.<stream>.<key>, which permissions can
  // restrict by key (a consumer-based get could not be).
  return new Kvm(nc).open(name, { allow_direct: true });
}
