// `palisade up` as a newcomer runs it: no service variables set, so it starts its own PostgreSQL,
// NATS JetStream and Temporal dev server, then the worker, the gateway and the console, and on
// this first start the demo (three clusters of simulated agents, the first release rolled out in
// waves, traffic); `palisade down` leaves nothing running, `down --purge` nothing stored, and
// `up --no-demo` starts an empty platform.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthReport } from '@palisade/contracts';
import { postgresFallbackRoot, readState, stackEventKey, waitFor, type StackState } from '@palisade/stack';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectBus, streams } from '@palisade/bus';
import { applyResources, authenticate } from '@palisade/domain';
import { createDbClient, EventKey } from '@palisade/event-store';
import { POSITION_HEADER } from '@palisade/outbox';
import { uniqueName } from '@palisade/testing';
import { cleanEnv, palisade, root } from '../support/cli.js';
import { listProcesses } from '../support/processes.js';

const home = join(root, '.palisade', uniqueName('e2e-up'));
const env = cleanEnv();

describe('palisade up / status / down on a private local stack', () => {
  let state: StackState | undefined;
  let adminToken = '';

  afterAll(async () => {
    // Whatever happened above, leave nothing behind.
    await palisade(['down', '--home', home], env, 60_000);
    rmSync(home, { recursive: true, force: true });
  });

  it('brings up every service and process, each answering a real health check', async () => {
    const result = await palisade(['up', '--detach', '--home', home], env);
    expect(result.killed).toBe(false);
    expect(result.stderr + result.stdout).toContain('Palisade is up');
    expect(result.code).toBe(0);
    console.log(`palisade up --detach took ${result.ms} ms`);

    state = readState(join(home, 'state.json'));
    expect(state).toBeDefined();
    for (const name of ['postgres', 'nats', 'temporal'] as const) {
      expect(state!.services[name].mode, name).toBe('private');
      expect(result.stdout).toContain(state!.services[name].listen);
    }
    expect(Object.keys(state!.processes).sort()).toEqual(['console', 'demo-agents', 'gateway', 'supervisor', 'worker']);
    expect(result.stdout).toContain('Demo: clusters staging, prod-eu, prod-us run a microservice shop');
    expect(result.stdout).toMatch(/Sign in to the console at http:\/\/127\.0\.0\.1:\d+ with it\./);
    // The first start prints an admin token, once; only its hash is stored.
    const token = /\n {2}(pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43})\n/.exec(result.stdout)?.[1];
    expect(token).toBeDefined();
    adminToken = token!;
  });

  it('has a gateway whose readiness reports every dependency up, the worker included', async () => {
    const gateway = state!.processes['gateway']!;
    const res = await fetch(`${gateway.url}/readyz`);
    expect(res.status).toBe(200);
    const report = HealthReport.parse(await res.json());
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.ok]))).toEqual({ postgres: true, nats: true, temporal: true, worker: true, outbox: true });
    const live = await fetch(`${gateway.url}/healthz`);
    expect(live.status).toBe(200);
  });

  it('serves the console, which shows the health the gateway reports', async () => {
    const consoleUrl = state!.processes['console']!.url!;
    const res = await fetch(`${consoleUrl}/platform`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="platform-status"');
    for (const name of ['postgres', 'nats', 'temporal', 'worker', 'outbox']) expect(html).toContain(`data-dependency="${name}"`);
  });

  it('reports status as JSON, including a workflow run end to end', async () => {
    const result = await palisade(['status', '--home', home, '-o', 'json'], env, 60_000);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; components: { name: string; ok: boolean; detail: string }[] };
    expect(parsed.ok).toBe(true);
    const workflows = parsed.components.find((c) => c.name === 'workflows');
    expect(workflows?.ok).toBe(true);
    expect(workflows?.detail).toMatch(/probe workflow completed in \d+ ms/);
  });

  it("seeds the demo: three labelled clusters, the guide's policies rolled out in waves, traffic with its deciding policies", async () => {
    const as = cleanEnv({ PALISADE_URL: state!.processes['gateway']!.url!, PALISADE_TOKEN: adminToken, PALISADE_CONFIG: join(home, 'no-login.json') });
    const json = async <T>(args: string[]): Promise<T> => {
      const r = await palisade([...args, '-o', 'json'], as, 30_000);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    };
    const clusters = await json<{ name: string; labels: Record<string, string> }[]>(['cluster', 'list']);
    expect(clusters.map((c) => [c.name, c.labels])).toEqual([
      ['prod-eu', { env: 'prod', region: 'eu' }],
      ['prod-us', { env: 'prod', region: 'us' }],
      ['staging', { env: 'staging', region: 'eu' }],
    ]);
    // The first release goes out in waves, staging first, and completes (its gate tolerates the denials it is for).
    const done = await waitFor(
      async () => {
        const [rollout] = await json<{ id: string; state: string; plan: string; waves: { name: string; state: string; clusters: { name: string }[] }[] }[]>(['rollout', 'list']);
        if (!rollout || !['completed', 'failed', 'aborted'].includes(rollout.state)) throw new Error(`rollout ${rollout?.state ?? 'not started'}`);
        return rollout;
      },
      { timeoutMs: 240_000, intervalMs: 2_000 },
    );
    expect(done).toMatchObject({ state: 'completed', plan: 'demo-waves' });
    expect(done.waves.map((w) => [w.name, w.clusters.map((c) => c.name)])).toEqual([
      ['canary', ['staging']],
      ['prod', ['prod-eu', 'prod-us']],
    ]);
    // Traffic: what the shop should do allowed, what it should not denied by the guide's policies.
    const denied = await waitFor(
      async () => {
        const records = await json<{ policy: string; source: { namespace: string | null }; destination: { labels: Record<string, string> } }[]>([
          'flows',
          '--action',
          'Deny',
          '--since',
          '5m',
          '--limit',
          '2000',
        ]);
        const deciding = new Set(records.map((r) => r.policy.split('/').slice(0, -1).join('/')));
        if (![...deciding].some((p) => p.includes('database-ingress')) || ![...deciding].some((p) => p.includes('deny-circle-blue'))) throw new Error(`denied so far by ${[...deciding].join(', ')}`);
        return records;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(denied.some((r) => r.source.namespace === 'web' && r.destination.labels['role'] === 'database')).toBe(true);
    const allowed = await json<{ destination: { namespace: string | null } }[]>(['flows', '--action', 'Allow', '--since', '5m', '--limit', '2000']);
    expect(new Set(allowed.map((r) => r.destination.namespace))).toEqual(new Set(['production', 'kube-system']));
  }, 360_000);

  it('records a policy change in the event log, seals it, relays it to JetStream and verifies the chain', async () => {
    const url = state!.services.postgres.url;
    // Events are written with the stack's writers' key, as the gateway writes them.
    const database = createDbClient(url, { max: 2, eventKey: EventKey.fromText(stackEventKey(home)) });
    const nc = await connectBus({ url: state!.services.nats.url, name: 'e2e-up' });
    try {
      const change = await applyResources(
        database,
        [{ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'e2e-deny-blue' }, spec: { selector: "color == 'blue'", types: ['Ingress'] } }],
        { actor: 'e2e', reason: 'prove the wiring' },
      );
      const position = change.changes[0]!.position!;
      const jsm = await jetstreamManager(nc);
      let relayed = false;
      let sealed = false;
      let projected = false;
      for (let i = 0; i < 100 && !(relayed && sealed && projected); i++) {
        const info = await jsm.streams.info(streams.events.name);
        const last = info.state.messages ? await jsm.streams.getMessage(streams.events.name, { seq: info.state.last_seq }) : null;
        relayed = Number(last?.header.get(POSITION_HEADER) ?? 0) >= position;
        sealed = Number((await database.query<{ p: bigint | null }[]>`SELECT max(position) AS p FROM event_chain`)[0]?.p ?? 0) >= position;
        projected = (await database.query<{ key: string }[]>`SELECT key FROM resources WHERE key = 'GlobalNetworkPolicy/e2e-deny-blue'`).length === 1;
        if (!(relayed && sealed && projected)) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ relayed, sealed, projected }).toEqual({ relayed: true, sealed: true, projected: true });
      // The gateway is connected as the application login, which is no superuser and owns nothing.
      const logins = await database.query<{ usename: string; rolsuper: boolean }[]>`
        SELECT DISTINCT a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()`;
      expect(logins).toContainEqual({ usename: 'palisade_gateway', rolsuper: false });
      const verify = await palisade(['audit', 'verify', '--home', home], env, 30_000);
      expect(verify.stdout).toMatch(/^ok: \d+ events verified/);
      expect(verify.code).toBe(0);
    } finally {
      await nc.close();
      await database.close();
    }
  });

  it('says so when asked to come up again, without starting anything twice', async () => {
    const result = await palisade(['up', '--detach', '--home', home], env, 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('already up');
    // The token is not shown again.
    expect(result.stdout).not.toContain('pal_');
    const database = createDbClient(state!.services.postgres.url, { max: 1 });
    try {
      expect(await authenticate(database, adminToken)).toMatchObject({ role: 'admin' });
      const [row] = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM api_tokens WHERE hash = ${adminToken}`;
      expect(Number(row!.n)).toBe(0);
    } finally {
      await database.close();
    }
    expect(readState(join(home, 'state.json'))?.processes['gateway']?.pid).toBe(state!.processes['gateway']!.pid);
  });

  it('heals: a gateway that dies is started again by the supervisor, and answers', async () => {
    const before = state!.processes['gateway']!;
    process.kill(-before.pid, 'SIGKILL');
    const restarted = await waitFor(
      async () => {
        const now = readState(join(home, 'state.json'))?.processes['gateway'];
        if (!now || now.pid === before.pid) throw new Error('not restarted yet');
        const res = await fetch(`${now.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) throw new Error(`readyz ${res.status}`);
        return now;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(restarted.url).toBe(before.url);
    // The supervisor logs the restart once its own readiness check passes, which may be a moment after ours.
    const log = await waitFor(
      async () => {
        const text = readFileSync(join(home, 'logs', 'supervisor.log'), 'utf8');
        if (!text.includes(`gateway restarted (pid ${restarted.pid}) and ready`)) throw new Error('restart not logged yet');
        return text;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(log).toContain(`gateway (pid ${before.pid}) is not running; starting it again`);
    state = readState(join(home, 'state.json'));
  });

  it('stops everything with palisade down and leaves no process behind', async () => {
    const pids = [...Object.values(state!.services).map((s) => s.pid), ...Object.values(state!.processes).map((p) => p.pid)].filter((p): p is number => !!p);
    expect(pids.length).toBe(8);
    const result = await palisade(['down', '--home', home], env, 90_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Stopped .*gateway/);

    const remaining = listProcesses();
    const survivors = remaining.filter((p) => pids.includes(p.pid) || pids.includes(p.pgid) || p.cmdline.includes(home));
    expect(survivors).toEqual([]);
    expect(existsSync(join(home, 'state.json'))).toBe(false);

    const again = await palisade(['status', '--home', home], env, 30_000);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain('Nothing is running');
  });
  it('deletes the stopped stack with down --purge; up --no-demo then starts an empty platform', async () => {
    const purged = await palisade(['down', '--purge', '--home', home], env, 90_000);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toContain(`Deleted the stack's state in ${home}`);
    expect(existsSync(home)).toBe(false);
    // And the PostgreSQL cluster where it lives outside the home (a home its server user cannot reach, as under mktemp).
    expect(existsSync(postgresFallbackRoot(join(home, 'postgres')))).toBe(false);
    const result = await palisade(['up', '--detach', '--no-demo', '--no-console', '--home', home], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('Demo:');
    const fresh = readState(join(home, 'state.json'))!;
    expect(Object.keys(fresh.processes).sort()).toEqual(['gateway', 'supervisor', 'worker']);
    // A new stack: a new admin token, and nothing registered.
    const token = /\n {2}(pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43})\n/.exec(result.stdout)?.[1];
    expect(token, `no admin token in:\n${result.stdout}\n${result.stderr}`).toBeDefined();
    expect(token).not.toBe(adminToken);
    const listed = await palisade(
      ['cluster', 'list', '-o', 'json'],
      cleanEnv({ PALISADE_URL: fresh.processes['gateway']!.url!, PALISADE_TOKEN: token!, PALISADE_CONFIG: join(home, 'no-login.json') }),
      30_000,
    );
    expect(JSON.parse(listed.stdout)).toEqual([]);
    // A home that is not a stack is never deleted.
    const refused = await palisade(['down', '--purge', '--home', join(root, 'apps')], env, 30_000);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('does not look like a Palisade stack');
    expect(existsSync(join(root, 'apps', 'cli'))).toBe(true);
  }, 300_000);
});
