import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, catchUp, ConcurrencyError, countEvents, createDbClient, readStream, rebuild, type DbClient } from '@palisade/event-store';
import { auditLog, diffBetween, resourceAsOf, resourcesAsOf } from './audit.js';
import { clusterView, desiredReleaseChanges, registerCluster, reportObservedRelease, setDesiredRelease } from './clusters.js';
import { formatDiff } from './diff.js';
import { DomainError, ValidationFailedError } from './errors.js';
import { domainProjection } from './projection.js';
import { createRelease, diffReleases, releaseContent } from './releases.js';
import { applyResources, currentRevision, deleteResources } from './resources/write.js';

const gnp = (name: string, order: number, selector = "color == 'red'") => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name },
  spec: { order, selector, ingress: [{ action: 'Deny', source: { selector: "color == 'blue'" } }] },
});
const np = (ns: string, name: string, port: number) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec: { selector: "role == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [port] } }] },
});

describe('resources, releases, clusters and the audit history', () => {
  let db: TestDatabase;
  let database: DbClient;
  const count = () => countEvents(database);

  beforeAll(async () => {
    db = await createTestDatabase('domain');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 6 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('applies resources under one new revision, records before and after, and skips what did not change', async () => {
    const first = await applyResources(database, [gnp('deny-blue', 10), np('prod', 'allow-6379', 6379)], { actor: 'alice', reason: 'initial policy' });
    expect(first.revision).toBe(1);
    expect(first.changes.map((c) => [c.key, c.op, c.version])).toEqual([
      ['GlobalNetworkPolicy/deny-blue', 'applied', 1],
      ['NetworkPolicy/prod/allow-6379', 'applied', 1],
    ]);
    const second = await applyResources(database, [gnp('deny-blue', 20), np('prod', 'allow-6379', 6379)], { actor: 'bob', reason: 'later' });
    expect(second.revision).toBe(2);
    expect(second.changes.map((c) => c.op)).toEqual(['applied', 'unchanged']);
    const [, changed] = await readStream(database, 'resource/GlobalNetworkPolicy/deny-blue');
    expect(changed!.payload).toMatchObject({ revision: 2, before: { spec: { order: 10 } }, after: { spec: { order: 20 } } });
    expect(changed!).toMatchObject({ actor: 'bob', reason: 'later', type: 'Resource.Applied', correlationId: second.correlationId });
    // Applying exactly what is stored spends no revision and writes nothing.
    const before = await count();
    const same = await applyResources(database, [gnp('deny-blue', 20)], { actor: 'bob' });
    expect(same).toMatchObject({ revision: 2, changes: [{ op: 'unchanged' }] });
    expect(await count()).toBe(before);
  });

  it('rejects invalid input with every problem located, writing nothing', async () => {
    const before = await count();
    const revision = await currentRevision(database);
    const yaml = [
      'apiVersion: projectcalico.org/v3',
      'kind: GlobalNetworkPolicy',
      'metadata: {name: fine}',
      'spec: {selector: all()}',
      '---',
      'apiVersion: projectcalico.org/v3',
      'kind: NetworkPolicy',
      'metadata: {name: broken, namespace: prod}',
      'spec:',
      "  selector: role == 'db'",
      '  ingress:',
      '    - action: Allw',
    ].join('\n');
    const error = await applyResources(database, yaml, { actor: 'mallory' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailedError);
    const problems = (error as ValidationFailedError).problems;
    expect(problems).toEqual([expect.objectContaining({ document: 1, line: 12, path: 'spec.ingress[0].action', message: expect.stringMatching(/Allow/) })]);
    expect((error as Error).message).toMatch(/^1 problem: line 12:\d+ spec\.ingress\[0\]\.action: /);
    await expect(applyResources(database, [gnp('dup', 1), gnp('dup', 2)], { actor: 'a' })).rejects.toThrow(/GlobalNetworkPolicy\/dup is also resource 0/);
    expect(await count()).toBe(before);
    expect(await currentRevision(database)).toBe(revision);
  });

  it('honours an expected resource version and deletes with the last state recorded', async () => {
    await expect(applyResources(database, [gnp('deny-blue', 30)], { actor: 'carol' }, { expectedVersions: { 'GlobalNetworkPolicy/deny-blue': 1 } })).rejects.toBeInstanceOf(ConcurrencyError);
    const deleted = await deleteResources(database, ['NetworkPolicy/prod/allow-6379'], { actor: 'carol', reason: 'retired' });
    expect(deleted.changes).toEqual([expect.objectContaining({ key: 'NetworkPolicy/prod/allow-6379', op: 'deleted', version: 2 })]);
    const events = await readStream(database, 'resource/NetworkPolicy/prod/allow-6379');
    expect(events[1]!.payload).toMatchObject({ after: null, before: { metadata: { name: 'allow-6379' } } });
    await expect(deleteResources(database, ['NetworkPolicy/prod/allow-6379'], { actor: 'carol' })).rejects.toThrow(/does not exist \(it was deleted\)/);
    await expect(deleteResources(database, ['Tier/nope'], { actor: 'carol' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('treats metadata.resourceVersion as the version last seen: current applies, stale conflicts, never stored', async () => {
    const key = 'GlobalNetworkPolicy/rv-test';
    const withVersion = (order: number, rv?: string) => {
      const r = gnp('rv-test', order);
      return { ...r, metadata: { ...r.metadata, ...(rv !== undefined ? { resourceVersion: rv } : {}) } };
    };
    await applyResources(database, [withVersion(1)], { actor: 'carol' });
    // Re-applying what `get` printed, unchanged, is no change.
    expect((await applyResources(database, [withVersion(1, '1')], { actor: 'carol' })).changes[0]).toMatchObject({ op: 'unchanged', version: 1 });
    expect((await applyResources(database, [withVersion(2, '1')], { actor: 'carol' })).changes[0]).toMatchObject({ op: 'applied', version: 2 });
    const before = await readStream(database, `resource/${key}`);
    // A writer who read version 1 is refused, even with content identical to what is stored.
    await expect(applyResources(database, [withVersion(3, '1')], { actor: 'dave' })).rejects.toThrow(/is at version 2, not the expected 1/);
    await expect(applyResources(database, [withVersion(2, '1')], { actor: 'dave' })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(applyResources(database, [withVersion(3, 'abc')], { actor: 'dave' })).rejects.toThrow(/metadata\.resourceVersion: must be a version/);
    const after = await readStream(database, `resource/${key}`);
    expect(after).toHaveLength(before.length);
    expect(JSON.stringify(after.map((e) => e.payload))).not.toContain('resourceVersion');
    await deleteResources(database, [key], { actor: 'carol' });
  });

  it('lets concurrent writers of one resource all land in turn, and refuses all but one writer of the same version', async () => {
    const key = 'GlobalNetworkPolicy/race';
    // No versions named: each change is redone from a fresh read if another got in first.
    const writes = await Promise.all(Array.from({ length: 8 }, (_, i) => applyResources(database, [gnp('race', 100 + i)], { actor: `w${i}` })));
    expect(writes.every((w) => w.changes[0]!.op === 'applied')).toBe(true);
    const stream = await readStream(database, `resource/${key}`);
    expect(stream.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(writes.map((w) => w.revision)).size).toBe(8);
    // The same version named by all: one wins, the others get the conflict.
    const named = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => applyResources(database, [gnp('race', 200 + i)], { actor: `v${i}` }, { expectedVersions: { [key]: 8 } })));
    expect(named.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of named) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    await deleteResources(database, [key], { actor: 'carol' });
  });

  it('takes content-addressed releases: same content, same hash; a human diff between two', async () => {
    const r1 = await createRelease(database, { actor: 'alice', reason: 'cut' });
    expect(r1).toMatchObject({ created: true, resourceCount: 1 });
    expect(r1.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await createRelease(database, { actor: 'bob' });
    expect(again).toMatchObject({ hash: r1.hash, created: false, revision: r1.revision });
    await applyResources(database, [gnp('deny-blue', 40), np('shop', 'web', 443)], { actor: 'alice' });
    const r2 = await createRelease(database, { actor: 'alice' });
    expect(r2.hash).not.toBe(r1.hash);
    expect((await releaseContent(database, r2.hash)).resources.map((r) => r.key)).toEqual(['GlobalNetworkPolicy/deny-blue', 'NetworkPolicy/shop/web']);
    const diff = await diffReleases(database, r1.hash, r2.hash);
    expect(formatDiff(diff)).toBe(['+ NetworkPolicy/shop/web', '~ GlobalNetworkPolicy/deny-blue', '    spec.order: 20 -> 40'].join('\n'));
    await expect(releaseContent(database, 'f'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('registers clusters and records desired and observed releases', async () => {
    const [r] = await database.query<{ hash: string }[]>`SELECT payload->>'hash' AS hash FROM events WHERE type = 'Release.Created' ORDER BY position LIMIT 1`;
    expect(await registerCluster(database, 'east', { region: 'eu', tier: 'prod' }, { actor: 'ops' })).toEqual({ version: 1, changed: true });
    expect(await registerCluster(database, 'east', { region: 'eu', tier: 'prod' }, { actor: 'ops' })).toEqual({ version: 1, changed: false });
    await registerCluster(database, 'east', { region: 'eu', tier: 'staging' }, { actor: 'ops' });
    await setDesiredRelease(database, 'east', r!.hash, { actor: 'rollout' });
    await reportObservedRelease(database, 'east', r!.hash, { actor: 'system:agent' });
    expect(await clusterView(database, 'east')).toEqual({ name: 'east', labels: { region: 'eu', tier: 'staging' }, desiredRelease: r!.hash, observedRelease: r!.hash, version: 4 });
    await expect(setDesiredRelease(database, 'east', 'a'.repeat(64), { actor: 'x' })).rejects.toThrow(/no release/);
    // The same release again, by a prefix of its hash, records nothing.
    await catchUp(database, domainProjection);
    expect(await setDesiredRelease(database, 'east', r!.hash.slice(0, 8).toUpperCase(), { actor: 'ops' })).toEqual({ release: r!.hash, version: 4, changed: false, before: r!.hash });
    await expect(setDesiredRelease(database, 'west', r!.hash, { actor: 'x' })).rejects.toThrow(/no cluster west/);
    await expect(registerCluster(database, 'Bad_Name', {}, { actor: 'x' })).rejects.toBeInstanceOf(DomainError);
  });

  it('keeps projections current from the log and rebuilds them identically from scratch', async () => {
    await catchUp(database, domainProjection);
    const snapshot = async () => ({
      resources: await database.query`SELECT key, resource, revision, version, position FROM resources ORDER BY key`,
      clusters: await database.query`SELECT name, labels, desired_release, observed_release, position FROM clusters ORDER BY name`,
      releases: await database.query`SELECT hash, revision, resource_count, position FROM releases ORDER BY hash`,
    });
    const live = await snapshot();
    expect((live.resources as unknown[]).length).toBe(2);
    expect((live.clusters as { desired_release: string }[])[0]!.desired_release).toMatch(/^[0-9a-f]{64}$/);
    const replayed = await rebuild(database, domainProjection);
    expect(replayed).toBe(await count());
    expect(await snapshot()).toEqual(live);
  });

  it('answers as-of queries with the exact earlier state after later updates and deletes', async () => {
    const stamp = async () => Number((await database.query<{ p: bigint }[]>`SELECT max(position) AS p FROM events`)[0]!.p);
    await applyResources(database, [np('asof', 'a', 1), np('asof', 'b', 2)], { actor: 'dana' });
    const t1 = { position: await stamp() };
    const time1 = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await applyResources(database, [np('asof', 'a', 100)], { actor: 'dana' });
    await deleteResources(database, ['NetworkPolicy/asof/b'], { actor: 'dana' });
    await applyResources(database, [np('asof', 'c', 3)], { actor: 'dana' });
    const then = await resourcesAsOf(database, t1);
    expect((then.get('NetworkPolicy/asof/a') as { spec: { ingress: { destination: { ports: number[] } }[] } }).spec.ingress[0]!.destination.ports).toEqual([1]);
    expect(then.has('NetworkPolicy/asof/b')).toBe(true);
    expect(then.has('NetworkPolicy/asof/c')).toBe(false);
    expect(await resourcesAsOf(database, { time: time1 })).toEqual(then);
    expect(await resourceAsOf(database, 'NetworkPolicy/asof/b', { position: await stamp() })).toBeUndefined();
    const diff = await diffBetween(database, t1, { position: await stamp() });
    expect(formatDiff(diff)).toBe(['+ NetworkPolicy/asof/c', '- NetworkPolicy/asof/b', '~ NetworkPolicy/asof/a', '    spec.ingress[0].destination.ports[0]: 1 -> 100'].join('\n'));
  });

  it('filters the audit log by resource, actor, correlation id and time, a page at a time', async () => {
    const change = await applyResources(database, [np('audit', 'x', 1), np('audit', 'y', 2), np('audit', 'z', 3)], { actor: 'erin', correlationId: randomUUID() });
    const byCorrelation = await auditLog(database, { correlationId: change.correlationId }, { limit: 2 });
    expect(byCorrelation.events).toHaveLength(2);
    const rest = await auditLog(database, { correlationId: change.correlationId }, { after: byCorrelation.next!, limit: 2 });
    expect(rest.events).toHaveLength(1);
    expect(rest.next).toBeUndefined();
    expect((await auditLog(database, { actor: 'erin' })).events.map((e) => e.streamId)).toEqual(['resource/NetworkPolicy/audit/x', 'resource/NetworkPolicy/audit/y', 'resource/NetworkPolicy/audit/z']);
    expect((await auditLog(database, { resource: 'GlobalNetworkPolicy/deny-blue' })).events.map((e) => e.version)).toEqual([1, 2, 3]);
    expect((await auditLog(database, { from: new Date(Date.now() + 60_000) })).events).toEqual([]);
    await expect(auditLog(database, {}, { limit: 5_000 })).rejects.toThrow(/limit` must be 1 to 1000/);
  });

  it('reads the audit log newest first and by event type, a page at a time', async () => {
    const change = await applyResources(database, [np('newest', 'a', 1), np('newest', 'b', 2), np('newest', 'c', 3)], { actor: 'fay', correlationId: randomUUID() });
    const first = await auditLog(database, { actor: 'fay' }, { before: Number.MAX_SAFE_INTEGER, limit: 2 });
    expect(first.events.map((e) => e.streamId)).toEqual(['resource/NetworkPolicy/newest/c', 'resource/NetworkPolicy/newest/b']);
    const rest = await auditLog(database, { actor: 'fay' }, { before: first.next!, limit: 2 });
    expect([rest.events.map((e) => e.streamId), rest.next]).toEqual([['resource/NetworkPolicy/newest/a'], undefined]);
    const types = new Set((await auditLog(database, { correlationId: change.correlationId, type: rest.events[0]!.type })).events.map((e) => e.type));
    expect([...types]).toEqual([rest.events[0]!.type]);
    expect((await auditLog(database, { correlationId: change.correlationId, type: 'NoSuchType' })).events).toEqual([]);
    await expect(auditLog(database, {}, { before: 5, after: 1 })).rejects.toThrow(/not both/);
  });

  it('keeps the trace of the change that set a desired release, and refuses what is not a traceparent', async () => {
    const [r] = await database.query<{ hash: string }[]>`SELECT payload->>'hash' AS hash FROM events WHERE type = 'Release.Created' ORDER BY position LIMIT 1`;
    await registerCluster(database, 'traced', {}, { actor: 'ops' });
    const from = Number((await database.query<{ p: bigint }[]>`SELECT coalesce(max(position), 0) AS p FROM events`)[0]!.p);
    await expect(setDesiredRelease(database, 'traced', r!.hash, { actor: 'x' }, { trace: '00-zz-01' })).rejects.toThrow('trace "00-zz-01" is not a W3C traceparent');
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect((await setDesiredRelease(database, 'traced', r!.hash, { actor: 'rollout:t' }, { trace })).changed).toBe(true);
    const changes = await desiredReleaseChanges(database, from, Number.MAX_SAFE_INTEGER);
    expect(changes.map((c) => [c.cluster, c.release, c.trace])).toEqual([['traced', r!.hash, trace]]);
    const [event] = await database.query<{ payload: Record<string, unknown> }[]>`SELECT payload FROM events WHERE stream_id = 'cluster/traced' AND type = 'Cluster.DesiredReleaseSet'`;
    expect(event!.payload).toEqual({ name: 'traced', release: r!.hash, before: null, trace });
  });
});
