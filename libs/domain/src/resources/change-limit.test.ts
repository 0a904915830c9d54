import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_BYTES, RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, countEvents, createDbClient, type DbClient } from '@palisade/event-store';
import { DomainError } from '../errors.js';
import { validateFiles } from './validate.js';
import { applyResources } from './write.js';

// About 500 bytes of YAML: 10,000 of them are more text than the engine's own 4 MiB default.
const policy = (ns: string, i: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-app-${i}
  namespace: ${ns}
  labels: {team: team-${i % 40}}
spec:
  order: ${100 + (i % 900)}
  selector: app == 'app-${i}'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend' && team == 'team-${i % 40}'
      namespaceSelector: env in {'prod', 'staging'}
    destination:
      ports: [8080, 8443]
  egress:
  - action: Allow
    protocol: UDP
    destination:
      selector: k8s-app == 'kube-dns'
      ports: [53]
`;
const policies = (ns: string, n: number) => Array.from({ length: n }, (_, i) => policy(ns, i));
// Counting needs no realistic content: small resources keep the refusals quick.
const namespaces = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${prefix}-${i}}\n`);

describe(`one change of up to ${RESOURCES_PER_CHANGE} resources`, () => {
  let db: TestDatabase;
  let database: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('change_limit');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('applies a text of exactly that many resources as one change: one revision, one correlation id, one event each', async () => {
    const text = policies('text', RESOURCES_PER_CHANGE).join('---\n');
    expect(text.length).toBeGreaterThan(4 * 1024 * 1024);
    const result = await applyResources(database, text, { actor: 'alice' });
    expect(result.changes).toHaveLength(RESOURCES_PER_CHANGE);
    expect(result.changes.every((c) => c.op === 'applied')).toBe(true);
    const [row] = await database.query<{ n: bigint; revisions: bigint; lo: bigint; hi: bigint }[]>`
      SELECT count(*) AS n, count(DISTINCT payload->'revision') AS revisions, min(position) AS lo, max(position) AS hi
      FROM events WHERE correlation_id = ${result.correlationId}::uuid`;
    expect(row).toEqual({ n: BigInt(RESOURCES_PER_CHANGE), revisions: 1n, lo: row!.lo, hi: row!.lo + BigInt(RESOURCES_PER_CHANGE - 1) });
  });

  it('validates that many files as one change', () => {
    const files = namespaces('files', RESOURCES_PER_CHANGE).map((documents, i) => ({ name: `n${i}.yaml`, documents }));
    expect(validateFiles(files)).toHaveLength(RESOURCES_PER_CHANGE);
  });

  it('refuses one more, as text, as files or as objects, in a sentence and before writing anything', async () => {
    const before = await countEvents(database);
    const tooMany = (where = '') => `the change has more than 10,000 resources${where}: one change takes at most 10,000; apply them in parts`;
    const extra = namespaces('more', RESOURCES_PER_CHANGE + 1);
    await expect(applyResources(database, extra.join('---\n'), { actor: 'alice' })).rejects.toThrow(new DomainError('VALIDATION_FAILED', tooMany()));
    // Files are counted together: each is far below the limit, their sum is not.
    const files = [
      { name: 'a.yaml', documents: extra.slice(0, 5_000).join('---\n') },
      { name: 'b.yaml', documents: extra.slice(5_000).join('---\n') },
    ];
    expect(() => validateFiles(files)).toThrow(new DomainError('VALIDATION_FAILED', tooMany(' (counted up to b.yaml)')));
    const objects = Array.from({ length: RESOURCES_PER_CHANGE + 1 }, (_, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `n${i}` } }));
    await expect(applyResources(database, objects, { actor: 'alice' })).rejects.toThrow(new DomainError('VALIDATION_FAILED', tooMany()));
    expect(await countEvents(database)).toBe(before);
  });

  it('refuses more text than one change carries before reading any of it', () => {
    const big = 'x'.repeat(CHANGE_BYTES / 2 + 1);
    expect(() =>
      validateFiles([
        { name: 'a.yaml', documents: big },
        { name: 'b.yaml', documents: big },
      ]),
    ).toThrow('the change is 25,000,002 characters of text: one change takes at most 10,000 resources and 25 MB; apply it in parts');
  });
});
