import type { Projection, RecordedEvent, Tx } from '@palisade/event-store';
import { applyClusterEvent } from './clusters.js';
import type { ResourceEventPayload } from './resources/streams.js';

/** The domain projection's name: its checkpoint. */
export const DOMAIN_PROJECTION = 'domain';

/**
 * The read models the API lists from: every resource as it is now, every cluster with its
 * desired and observed release, every release.
 */
export const domainProjection: Projection = {
  name: DOMAIN_PROJECTION,
  async apply(tx: Tx, event: RecordedEvent): Promise<void> {
    const p = event.payload as Record<string, unknown>;
    switch (event.type) {
      case 'Resource.Applied': {
        const r = p as unknown as ResourceEventPayload;
        await tx.execute`
          INSERT INTO resources (key, type, namespace, name, resource, revision, version, position, updated_at)
          VALUES (${r.key}, ${r.type}, ${r.namespace ?? null}, ${r.name}, ${JSON.stringify(r.after)}::jsonb, ${r.revision}, ${event.version}, ${event.position}, ${event.recordedAt})
          ON CONFLICT (key) DO UPDATE SET resource = EXCLUDED.resource, revision = EXCLUDED.revision, version = EXCLUDED.version, position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`;
        return;
      }
      case 'Resource.Deleted':
        await tx.execute`DELETE FROM resources WHERE key = ${p['key'] as string}`;
        return;
      case 'Release.Created':
        await tx.execute`
          INSERT INTO releases (hash, revision, resource_count, actor, reason, position, created_at)
          VALUES (${p['hash'] as string}, ${p['revision'] as number}, ${p['resourceCount'] as number}, ${event.actor}, ${event.reason}, ${event.position}, ${event.recordedAt})
          ON CONFLICT (hash) DO NOTHING`;
        return;
      case 'Cluster.Registered':
      case 'Cluster.LabelsChanged':
      case 'Cluster.DesiredReleaseSet':
      case 'Cluster.ObservedReleaseReported': {
        const name = p['name'] as string;
        const [row] = await tx.query<{ labels: Record<string, string>; desired_release: string | null; observed_release: string | null; observed_at: Date | null }[]>`
          SELECT labels, desired_release, observed_release, observed_at FROM clusters WHERE name = ${name}`;
        const view = { name, labels: row?.labels ?? {}, desiredRelease: row?.desired_release ?? null, observedRelease: row?.observed_release ?? null };
        applyClusterEvent(view, event.type, p);
        const observedAt = event.type === 'Cluster.ObservedReleaseReported' ? event.recordedAt : (row?.observed_at ?? null);
        await tx.execute`
          INSERT INTO clusters (name, labels, desired_release, observed_release, observed_at, position, updated_at)
          VALUES (${name}, ${JSON.stringify(view.labels)}::jsonb, ${view.desiredRelease}, ${view.observedRelease}, ${observedAt}, ${event.position}, ${event.recordedAt})
          ON CONFLICT (name) DO UPDATE SET labels = EXCLUDED.labels, desired_release = EXCLUDED.desired_release, observed_release = EXCLUDED.observed_release,
            observed_at = EXCLUDED.observed_at, position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`;
        return;
      }
    }
  },
  async reset(tx: Tx): Promise<void> {
    await tx.execute`DELETE FROM resources`;
    await tx.execute`DELETE FROM releases`;
    await tx.execute`DELETE FROM clusters`;
  },
};
