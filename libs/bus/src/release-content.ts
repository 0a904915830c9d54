import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KV } from '@nats-io/kv';
import { canonicalJson, ReleaseHead } from '@palisade/contracts';
import { kvKeys, RELEASE_CHUNK_BYTES } from './kv.js';

/** A release's content as the platform stores it: every resource of the policy set, by key. */
export interface ReleaseContentBody {
  revision: number;
  resources: { key: string; resource: unknown }[];
}

export class ReleaseContentError extends Error {
  constructor(
    readonly code: 'MISSING' | 'CORRUPT' | 'HASH_MISMATCH',
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseContentError';
  }
}

/** A release is named by the SHA-256 of its resources' canonical JSON (the revision is not part of it). */
export function releaseContentHash(resources: ReleaseContentBody['resources']): string {
  return createHash('sha256').update(canonicalJson(resources), 'utf8').digest('hex');
}

/** Chunks first, head last: a reader that finds the head finds every chunk it names. */
export async function writeReleaseContent(kv: KV, cluster: string, hash: string, content: ReleaseContentBody): Promise<ReleaseHead> {
  const packed = gzipSync(Buffer.from(canonicalJson(content), 'utf8'));
  const chunks = Math.max(1, Math.ceil(packed.length / RELEASE_CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) await kv.put(kvKeys.releaseChunk(cluster, hash, i), packed.subarray(i * RELEASE_CHUNK_BYTES, (i + 1) * RELEASE_CHUNK_BYTES));
  const head: ReleaseHead = { release: hash, encoding: 'gzip', chunks, bytes: packed.length };
  await kv.put(kvKeys.releaseHead(cluster, hash), JSON.stringify(head));
  return head;
}

export async function hasReleaseContent(kv: KV, cluster: string, hash: string): Promise<boolean> {
  const entry = await kv.get(kvKeys.releaseHead(cluster, hash));
  return entry !== null && entry.operation === 'PUT';
}

/** Reads a release for a cluster and proves it is the release it is named after. */
export async function readReleaseContent(kv: KV, cluster: string, hash: string): Promise<ReleaseContentBody> {
  const headEntry = await kv.get(kvKeys.releaseHead(cluster, hash));
  if (!headEntry || headEntry.operation !== 'PUT') throw new ReleaseContentError('MISSING', `release ${hash.slice(0, 12)} is not published for cluster ${cluster}`);
  const head = ReleaseHead.safeParse(safeJson(headEntry.string()));
  if (!head.success || head.data.release !== hash) throw new ReleaseContentError('CORRUPT', `release ${hash.slice(0, 12)}'s head for cluster ${cluster} does not parse`);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < head.data.chunks; i++) {
    const chunk = await kv.get(kvKeys.releaseChunk(cluster, hash, i));
    if (!chunk || chunk.operation !== 'PUT') throw new ReleaseContentError('MISSING', `release ${hash.slice(0, 12)} for cluster ${cluster} lacks chunk ${i} of ${head.data.chunks}`);
    parts.push(chunk.value);
  }
  let body: ReleaseContentBody;
  try {
    body = JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as ReleaseContentBody;
  } catch (error) {
    throw new ReleaseContentError('CORRUPT', `release ${hash.slice(0, 12)} for cluster ${cluster} does not unpack: ${(error as Error).message}`);
  }
  if (!body || !Array.isArray(body.resources)) throw new ReleaseContentError('CORRUPT', `release ${hash.slice(0, 12)} for cluster ${cluster} holds no resource list`);
  const actual = releaseContentHash(body.resources);
  if (actual !== hash) throw new ReleaseContentError('HASH_MISMATCH', `release ${hash.slice(0, 12)} for cluster ${cluster} hashes to ${actual.slice(0, 12)}: its content was altered`);
  return body;
}

/** Removes a release's head and chunks for a cluster (head first, so no reader sees a head without chunks). */
export async function removeReleaseContent(kv: KV, cluster: string, hash: string): Promise<void> {
  const head = await kv.get(kvKeys.releaseHead(cluster, hash));
  const parsed = head && head.operation === 'PUT' ? ReleaseHead.safeParse(safeJson(head.string())) : undefined;
  await kv.purge(kvKeys.releaseHead(cluster, hash));
  for (let i = 0; i < (parsed?.success ? parsed.data.chunks : 0); i++) await kv.purge(kvKeys.releaseChunk(cluster, hash, i));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
