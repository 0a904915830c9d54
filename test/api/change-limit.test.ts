// The one change limit, end to end: RESOURCES_PER_CHANGE realistic policies go from files through
// the `palisade` CLI and the gateway's built process into one transaction of the real event store,
// as a directory of files and as one file; one more is refused at the first layer that sees it,
// with nothing written.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { bootstrapAdminToken } from '@palisade/domain';
import type { DbClient } from '@palisade/event-store';
import { palisade, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

/** About 1.2 KB of YAML: a namespaced policy as teams write them, two ingress and three egress rules. */
const policy = (ns: string, i: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-app-${i}
  namespace: ${ns}
  labels:
    team: team-${i % 40}
    owner: platform-networking
  annotations:
    palisade.io/ticket: NET-${10000 + i}
    palisade.io/description: Lets the frontends and the batch workers of team ${i % 40} reach app ${i} and lets app ${i} reach its database and DNS.
spec:
  tier: default
  order: ${100 + (i % 900)}
  selector: app == 'app-${i}' && tier in {'web', 'api'}
  types:
  - Ingress
  - Egress
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend' && team == 'team-${i % 40}'
      namespaceSelector: env in {'prod', 'staging'}
    destination:
      ports:
      - 8080
      - 8443
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'batch'
      nets:
      - 10.${i % 250}.0.0/16
    destination:
      ports:
      - '9000:9100'
  egress:
  - action: Allow
    protocol: TCP
    destination:
      selector: app == 'db-${i % 100}'
      ports:
      - 5432
  - action: Allow
    protocol: UDP
    destination:
      selector: k8s-app == 'kube-dns'
      namespaceSelector: projectcalico.org/name == 'kube-system'
      ports:
      - 53
  - action: Deny
`;

interface Applied {
  revision: number;
  correlationId: string;
  changes: { key: string; op: string; position?: number }[];
}

describe(`one change of ${RESOURCES_PER_CHANGE} policies through the CLI and the gateway`, () => {
  let gateway: TestGateway;
  let database: DbClient;
  let token = '';
  let env: NodeJS.ProcessEnv = {};
  const dir = mkdtempSync(join(tmpdir(), 'palisade-change-limit-'));
  const cli = (args: string[]): Promise<CliResult> => palisade(args, env, 120_000);
  const events = async () => Number((await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`)[0]!.n);
  const timings: Record<string, number> = {};

  /** What the log holds of one change: every event shares its correlation id, its revision and one unbroken range of positions. */
  const recorded = async (correlationId: string) => {
    const [row] = await database.query<{ n: bigint; revisions: bigint; lo: bigint; hi: bigint }[]>`
      SELECT count(*) AS n, count(DISTINCT payload->'revision') AS revisions, min(position) AS lo, max(position) AS hi
      FROM events WHERE correlation_id = ${correlationId}::uuid`;
    return { events: Number(row!.n), revisions: Number(row!.revisions), span: Number(row!.hi - row!.lo) + 1 };
  };

  beforeAll(async () => {
    // Request lines carry the gateway's own time for each change, printed with the CLI's.
    gateway = await startTestGateway('change-limit', { logLevel: 'info' });
    database = gateway.database;
    token = (await bootstrapAdminToken(database))!.token;
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_TOKEN: token, PALISADE_CONFIG: join(dir, 'config.json') };
  }, 120_000);

  afterAll(async () => {
    const gatewayMs = (gateway?.log() ?? '').split('\n').flatMap((line) => (line.includes('"path":"/trpc/resources.put"') ? [(JSON.parse(line) as { ms: number; status: number }).ms] : []));
    console.log(`[change limit] ms: ${JSON.stringify({ ...timings, gatewayPuts: gatewayMs })}`);
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a directory of one-policy files as one change', async () => {
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    for (let i = 0; i < RESOURCES_PER_CHANGE; i++) writeFileSync(join(policies, `p${String(i).padStart(5, '0')}.yaml`), policy('team-dir', i));
    const run = await cli(['apply', '-f', policies, '--reason', 'the whole estate', '-o', 'json']);
    timings['directory'] = run.ms;
    expect(run.code, run.stderr + gateway.log()).toBe(0);
    const result = JSON.parse(run.stdout) as Applied;
    expect(result.changes.filter((c) => c.op === 'applied')).toHaveLength(RESOURCES_PER_CHANGE);
    expect(await recorded(result.correlationId)).toEqual({ events: RESOURCES_PER_CHANGE, revisions: 1, span: RESOURCES_PER_CHANGE });
  }, 180_000);

  it('applies one file of that many documents as one change', async () => {
    writeFileSync(join(dir, 'estate.yaml'), Array.from({ length: RESOURCES_PER_CHANGE }, (_, i) => policy('team-file', i)).join('---\n'));
    const run = await cli(['apply', '-f', join(dir, 'estate.yaml'), '-o', 'json']);
    timings['file'] = run.ms;
    expect(run.code, run.stderr + gateway.log()).toBe(0);
    const result = JSON.parse(run.stdout) as Applied;
    expect(result.changes.filter((c) => c.op === 'applied')).toHaveLength(RESOURCES_PER_CHANGE);
    expect(await recorded(result.correlationId)).toEqual({ events: RESOURCES_PER_CHANGE, revisions: 1, span: RESOURCES_PER_CHANGE });
  }, 180_000);

  it('refuses one more in a sentence, in the CLI before sending and in the gateway for a caller of the API; nothing is written', async () => {
    const before = await events();
    writeFileSync(join(dir, 'policies', 'p10000.yaml'), policy('team-dir', RESOURCES_PER_CHANGE));
    let run = await cli(['apply', '-f', join(dir, 'policies')]);
    timings['refused directory'] = run.ms;
    expect([run.code, run.stderr]).toEqual([2, 'palisade apply: 10,001 files: one change takes at most 10,000 resources, so at most 10,000 files; apply them in parts\n']);

    // From here only the count matters: small resources keep the parsing quick.
    const namespaces = Array.from({ length: RESOURCES_PER_CHANGE + 1 }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: n${i}}\n`).join('---\n');
    writeFileSync(join(dir, 'namespaces.yaml'), namespaces);
    run = await cli(['apply', '-f', join(dir, 'namespaces.yaml')]);
    timings['refused file'] = run.ms;
    expect([run.code, run.stderr]).toEqual([
      2,
      `palisade apply: the files hold more than 10,000 resources (counted up to ${join(dir, 'namespaces.yaml')}): one change takes at most 10,000; apply them in parts\n`,
    ]);

    const started = Date.now();
    const res = await fetch(`${gateway.url}/trpc/resources.put`, {
      method: 'POST',
      body: JSON.stringify({ documents: namespaces }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    timings['refused by the gateway'] = Date.now() - started;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('the change has more than 10,000 resources: one change takes at most 10,000; apply them in parts');
    expect(await events()).toBe(before);
  }, 180_000);
});
