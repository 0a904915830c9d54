// Input limits, hostile input, rate limits, metrics and live events over HTTP, against a real
// database: every refusal is a clear 4xx, the gateway keeps answering, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_BYTES, RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { revokeToken } from '@palisade/domain';
import { startApi, type ApiHarness } from './test-support/api.js';

const policy = (extra: Record<string, unknown> = {}, name = 'web') => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'shop' },
  spec: { selector: 'all()', ingress: [{ action: 'Allow' }], ...extra },
});

describe('hostile and malformed input', () => {
  let api: ApiHarness;
  let admin = '';
  beforeAll(async () => {
    api = await startApi('gateway_hostile', { maxBodyBytes: 256 * 1024, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    admin = await api.token('admin');
  });
  afterAll(() => api?.close());

  /** POSTs raw text to a procedure and checks the gateway answers, refuses, and writes nothing. */
  const refused = async (procedure: string, body: string, status: number, message?: RegExp) => {
    const before = await api.events();
    const res = await fetch(`${api.url}/trpc/${procedure}`, { method: 'POST', body, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' } });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(status);
    if (message) expect(text).toMatch(message);
    expect(await api.events()).toBe(before);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    return text;
  };
  const put = (input: unknown) => JSON.stringify(input);

  /** POSTs `chunks` chunks of 10,000 bytes with no length declared, so the limit bites while reading. */
  const streamed = (procedure: string, chunks: number) =>
    fetch(`${api.url}/trpc/${procedure}`, {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < chunks; i++) c.enqueue(new TextEncoder().encode('x'.repeat(10_000)));
          c.close();
        },
      }),
      duplex: 'half',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    } as RequestInit);

  it('refuses oversized bodies, declared or streamed', async () => {
    await refused('resources.delete', put({ keys: ['Namespace/x'], reason: 'x'.repeat(300 * 1024) }), 413, /exceeds the limit of 262144 bytes"/);
    const before = await api.events();
    expect((await streamed('resources.delete', 40)).status).toBe(413);
    expect(await api.events()).toBe(before);
  });

  it('takes a change in resources.put up to the change limit, above the body limit of every other call, and refuses more saying why', async () => {
    // Over 256 KiB, so only the change limit lets it through to validation.
    await refused('resources.put', put({ documents: 'x: '.repeat(100 * 1024) }), 400, /problem/);
    await refused(
      'resources.put',
      put({ documents: 'x'.repeat(CHANGE_BYTES) }),
      413,
      new RegExp(`exceeds the limit of ${CHANGE_BYTES} bytes \\(one change: at most 10,000 resources and 25 MB; apply it in parts\\)`),
    );
    const before = await api.events();
    const res = await streamed('resources.put', CHANGE_BYTES / 10_000 + 1);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('one change: at most 10,000 resources and 25 MB');
    expect(await api.events()).toBe(before);
    // In a batch, the change's allowance does not carry other calls.
    await refused('resources.put,resources.delete?batch=1', put({ 0: { documents: 'x: '.repeat(100 * 1024) }, 1: { keys: ['Namespace/x'] } }), 413, /exceeds the limit of 262144 bytes"/);
  });

  it('refuses YAML nested thousands deep, alias bombs and too many documents, with located errors', async () => {
    await refused('resources.put', put({ documents: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels: ' + '['.repeat(20_000) + ']'.repeat(20_000) }), 400, /nests too deeply/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    await refused('resources.put', put({ documents: bomb }), 400, /alias/i);
    await refused('resources.put', put({ documents: Array.from({ length: 10_001 }, () => '{}').join('\n---\n') }), 400, /the change has more than 10,000 resources: one change takes at most 10,000/);
  });

  it('refuses JSON nested thousands deep in resource objects', async () => {
    await refused('resources.put', `{"resources":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x","labels":${'['.repeat(50_000)}${']'.repeat(50_000)}}}]}`, 400);
    await refused('resources.put', '{"resources": [', 400);
  });

  it('refuses unknown fields, wrong types and invalid selectors, naming the field and line', async () => {
    await refused('resources.put', put({ resources: [policy({ selectorr: 'all()' })] }), 400, /spec\.selectorr/);
    await refused('resources.put', put({ resources: [policy({ order: 'high' })] }), 400, /spec\.order/);
    await refused(
      'resources.put',
      put({ documents: 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: "app == \'web"\n' }),
      400,
      /line 5:\d+ spec\.selector/,
    );
    // Fields of the request itself are checked too, and the refusal says so in words, not as JSON.
    await refused('resources.put', put({ resources: [policy()], force: true }), 400, /"message":"invalid request: the request: has unknown field force"/);
    await refused('resources.put', put({ resources: 'not a list' }), 400, /"message":"invalid request: resources: must be array"/);
    await refused('resources.put', put({ files: [] }), 400, /"message":"invalid request: files: needs at least 1 item"/);
    await refused(
      'resources.put',
      put({ files: Array.from({ length: RESOURCES_PER_CHANGE + 1 }, (_, i) => ({ name: `f${i}.yaml`, documents: '{}' })) }),
      400,
      new RegExp(`"message":"invalid request: files: takes at most ${RESOURCES_PER_CHANGE} items"`),
    );
    await refused('tokens.create', put({ token: { name: 'short', role: 'viewer', expiresInDays: 0 } }), 400, /"message":"invalid request: token\.expiresInDays: must be at least 1"/);
    await refused(
      'resources.put',
      put({ resources: [{ __proto__: { polluted: true }, apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', constructor: { prototype: { polluted: true } } } }] }),
      400,
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogates) with a 400 naming the field, writing nothing', async () => {
    await refused('resources.put', put({ resources: [policy()], reason: 'fix\u0000' }), 400, /"message":"invalid request: reason: contains a NUL character/);
    const annotated = policy();
    (annotated as { metadata: Record<string, unknown> }).metadata['annotations'] = { note: 'half \ud83d of an emoji' };
    await refused('resources.put', put({ resources: [annotated] }), 400, /"message":"invalid request: resources\.0\.metadata\.annotations\.note: contains a lone UTF-16 surrogate/);
    await refused('resources.delete', put({ keys: ['NetworkPolicy/shop/web'], reason: '\u0000' }), 400, /reason: contains a NUL/);
  });

  it('refuses a delete whose expectedVersions names a key it does not delete', async () => {
    await refused(
      'resources.delete',
      put({ keys: ['NetworkPolicy/shop/web'], expectedVersions: { 'NetworkPolicy/shop/other': 1 } }),
      400,
      /"message":"invalid request: expectedVersions\.NetworkPolicy\/shop\/other: is not one of the keys being deleted"/,
    );
  });

  it('treats SQL-looking strings as data: refused as names, harmless as filters', async () => {
    const injection = "x'; DROP TABLE events; --";
    await refused('resources.put', put({ resources: [policy({}, injection)] }), 400, /metadata\.name/);
    await refused('resources.delete', put({ keys: [`NetworkPolicy/shop/${injection}`] }), 400);
    const c = api.client(admin);
    expect(await c.resources.list.query({ namespace: injection })).toEqual({ items: [] });
    expect((await c.audit.log.query({ actor: injection })).events).toEqual([]);
    await expect(c.resources.get.query({ key: `NetworkPolicy/shop/${injection.replace(/ /g, '')}` })).rejects.toMatchObject({ data: { httpStatus: 404 } });
    // The tables are all still there, and still take writes.
    await expect(c.resources.put.mutate({ resources: [policy()] })).resolves.toMatchObject({ changes: [{ op: 'applied' }] });
  });

  it('refuses unknown procedures and bad methods without touching anything', async () => {
    await refused('resources.drop', '{}', 404);
    const get = await fetch(`${api.url}/trpc/resources.put`, { headers: { authorization: `Bearer ${admin}` } });
    expect(get.status).toBe(405);
  });
});

describe('rate limits, metrics and live events', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    // Refill slow enough that a loaded machine cannot earn a token back between the burst and the refused call.
    api = await startApi('gateway_limits', { rateLimit: { perSecond: 0.2, burst: 5 } });
  });
  afterAll(() => api?.close());

  it('limits each token on its own, with Retry-After, writing nothing when refused', async () => {
    const [busy, calm] = [await api.token('admin'), await api.token('viewer')];
    const c = api.client(busy, false);
    for (let i = 0; i < 5; i++) await c.resources.list.query({});
    const before = await api.events();
    const res = await fetch(`${api.url}/trpc/resources.put`, {
      method: 'POST',
      body: JSON.stringify({ resources: [policy()] }),
      headers: { authorization: `Bearer ${busy}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('rate limit') } });
    expect(await api.events()).toBe(before);
    // Another token is unaffected.
    await expect(api.client(calm).resources.list.query({})).resolves.toEqual({ items: [] });
  });

  it('serves Prometheus metrics to token holders only', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer pal_000000000000_wrong' } })).status).toBe(401);
    const token = await api.token('viewer');
    // The notifier's first horizon read runs in the background from the gateway's start: on a busy
    // machine it can still be under way here, so wait for it rather than for luck.
    await api.horizon.current();
    const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^palisade_gateway_requests_total\{route="\/trpc\/resources\.list",method="GET",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^palisade_gateway_requests_total\{route="\/trpc\/resources\.put",method="POST",status="429"\} 1$/m);
    expect(text).toMatch(/^palisade_gateway_request_duration_seconds_bucket\{route="\/trpc\/resources\.list",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^palisade_gateway_refused_total\{reason="rate_limited"\} 1$/m);
    expect(text).toMatch(/^palisade_gateway_refused_total\{reason="unauthenticated"\} 1$/m);
    // The one horizon reader: how far ordered readers may read, and what that costs.
    expect(text).toMatch(/^# TYPE palisade_horizon_reads_total counter$/m);
    expect(text).toMatch(/^palisade_horizon_reads_total [1-9]\d*$/m);
    expect(text).toMatch(/^palisade_horizon_listening 1$/m);
    expect(text).toMatch(/^palisade_horizon_position \d+$/m);
    // The group commit of policy writes, and its queue's lag.
    expect(text).toMatch(/^# TYPE palisade_policy_write_groups_total counter$/m);
    expect(text).toMatch(/^palisade_policy_writes_total \d+$/m);
    expect(text).toMatch(/^palisade_policy_writes_queued \d+$/m);
    expect(text).toMatch(/^palisade_policy_write_queue_lag_seconds [0-9.e-]+$/m);
  });

  it('streams live events as server-sent events, resumable from the last id', async () => {
    const token = await api.token('admin');
    const head = await api.events();
    const open = async (input: unknown) => {
      const controller = new AbortController();
      const res = await fetch(`${api.url}/trpc/events.subscribe?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let buffer = '';
      const ids: number[] = [];
      const next = async (n: number) => {
        while (ids.length < n) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += new TextDecoder().decode(value);
          for (const m of buffer.matchAll(/^id: ?(\d+)$/gm)) if (!ids.includes(Number(m[1]))) ids.push(Number(m[1]));
        }
        return ids;
      };
      return { next, close: () => controller.abort() };
    };
    const live = await open({ after: head });
    await api.client(token).resources.put.mutate({ resources: [policy({}, 'live-1'), policy({}, 'live-2')] });
    const ids = await live.next(2);
    live.close();
    expect(ids.slice(0, 2)).toEqual([head + 1, head + 2]);
    // A reconnection with the last id seen resumes after it.
    const resumed = await open({ lastEventId: String(head + 1) });
    expect((await resumed.next(1))[0]).toBe(head + 2);
    resumed.close();
  });
});

describe('checked tokens are remembered briefly', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi('gateway_token_cache', { tokenCacheMs: 400 });
  });
  afterAll(() => api?.close());

  it('honours a revocation through this gateway at once, and one made elsewhere within the cache time', async () => {
    const admin = await api.token('admin');
    const [a, b] = [await api.token('viewer'), await api.token('viewer')];
    await api.client(a).resources.list.query({});
    await api.client(b).resources.list.query({});
    const tokens = await api.client(admin).tokens.list.query();
    const idOf = (t: string) => tokens.find((x) => t.startsWith(`pal_${x.id}_`))!.id;
    // Behind its back (another gateway, or SQL): still trusted until the cached check expires.
    await revokeToken(api.database, idOf(b), 'elsewhere');
    await expect(api.client(b).resources.list.query({})).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    await expect(api.client(b).resources.list.query({})).rejects.toMatchObject({ data: { httpStatus: 401 } });
    // Through the gateway: refused on the very next request.
    await api.client(a).resources.list.query({});
    await api.client(admin).tokens.revoke.mutate({ id: idOf(a) });
    await expect(api.client(a).resources.list.query({})).rejects.toMatchObject({ data: { httpStatus: 401 } });
  });
});

describe('failed authentication is limited', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi('gateway_auth_failures', { authFailures: { perSecond: 0.5, burst: 5 } });
  });
  afterAll(() => api?.close());

  const list = (token: string) => fetch(`${api.url}/trpc/resources.list?input=${encodeURIComponent('{}')}`, { headers: { authorization: `Bearer ${token}` } });

  it('answers 429 once an address has failed too often, before asking the database, while a token already checked still works', async () => {
    const viewer = await api.token('viewer');
    expect((await list(viewer)).status).toBe(200);
    const id = viewer.slice(4, 16);
    const wrong = (i: number) => `pal_${id}_${String(i).padStart(43, 'x')}`;
    for (let i = 0; i < 5; i++) expect((await list(wrong(i))).status).toBe(401);
    const refused = await list(wrong(5));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/too many failed authentications from 127\.0\.0\.1/) } });
    // Another token id from the same address is throttled too; the checked token is not.
    expect((await list('pal_000000000000_' + 'y'.repeat(43))).status).toBe(429);
    expect((await list(viewer)).status).toBe(200);
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${viewer}` } })).text();
    expect(metrics).toMatch(/palisade_gateway_refused_total\{reason="auth_throttled"\} [2-9]/);
  });
});

describe('batched calls are each charged', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi('gateway_batches', { rateLimit: { perSecond: 1, burst: 120 } });
  });
  afterAll(() => api?.close());

  const batch = (token: string, calls: string[]) =>
    fetch(`${api.url}/trpc/${calls.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(calls.map((_, i) => [i, {}]))))}`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('refuses a batch of more than 16 calls, and charges each call of a batch (audit.verify 50) against the rate limit', async () => {
    // Verifying the chain is for security admins and admins.
    const auditor = await api.token('security-admin');
    const tooMany = await batch(
      auditor,
      Array.from({ length: 17 }, () => 'resources.list'),
    );
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: { message: 'a batch takes at most 16 calls; this one has 17' } });
    // 16 lists cost 16 of 120; two verifies 100 more; the next verify (50) is over the limit.
    expect(
      (
        await batch(
          auditor,
          Array.from({ length: 16 }, () => 'resources.list'),
        )
      ).status,
    ).toBe(200);
    expect((await batch(auditor, ['audit.verify', 'audit.verify'])).status).toBe(200);
    const refused = await batch(auditor, ['audit.verify']);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(40);
  });
});
