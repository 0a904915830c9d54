// The Kubernetes inventory source against an API server stand-in that speaks the list and watch
// protocol (pages with continue, newline-delimited watch events, bookmarks, 410 Gone): no real
// cluster runs here, so this checks the agent's own logic (what it asks for, how it follows the
// watch, what it reports), and the result is checked by the engine as any inventory is.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, type Resource } from '@palisade/engine';
import { KubernetesInventory, type KubePod } from './kubernetes.js';
import { inventoryProblem } from './node-inventory.js';

const pod = (name: string, node: string, ip: string | undefined, extra: Partial<KubePod['spec']> = {}, labels: Record<string, string> = { app: name }): KubePod => ({
  metadata: { name, namespace: 'shop', labels, resourceVersion: '1' },
  spec: { nodeName: node, serviceAccountName: 'shop-sa', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9999 }] }], ...extra },
  status: ip ? { phase: 'Running', podIP: ip, podIPs: [{ ip }] } : { phase: 'Pending' },
});

class FakeApiServer {
  server!: Server;
  url = '';
  version = 10;
  requests: { path: string; query: URLSearchParams; auth: string | undefined }[] = [];
  pods = [pod('api', 'n1', '10.0.0.2'), pod('web', 'n1', '10.0.0.3'), pod('other', 'n2', '10.0.0.9'), pod('host', 'n1', '192.168.0.1', { hostNetwork: true }), pod('starting', 'n1', undefined)];
  namespaces = [{ metadata: { name: 'shop', labels: { team: 'payments' }, resourceVersion: '1' } }];
  serviceAccounts = [{ metadata: { name: 'shop-sa', namespace: 'shop', labels: { tier: 'backend' }, resourceVersion: '1' } }];
  watchers: { path: string; res: ServerResponse }[] = [];
  /** Answer the next pod watch with 410 Gone, as the server does for a version it no longer has. */
  goneOnce = false;

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  lists(path: string) {
    return this.requests.filter((r) => r.path === path && !r.query.has('watch')).length;
  }

  send(path: string, type: string, object: unknown) {
    this.version++;
    (object as { metadata: { resourceVersion: string } }).metadata.resourceVersion = String(this.version);
    for (const w of this.watchers.filter((x) => x.path === path)) w.res.write(JSON.stringify({ type, object }) + '\n');
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, this.url);
    this.requests.push({ path: url.pathname, query: url.searchParams, auth: req.headers.authorization });
    const items = url.pathname === '/api/v1/pods' ? this.pods : url.pathname === '/api/v1/namespaces' ? this.namespaces : this.serviceAccounts;
    const selector = url.searchParams.get('fieldSelector');
    const selected = selector ? items.filter((i) => (i as KubePod).spec?.nodeName === selector.replace('spec.nodeName=', '')) : items;
    res.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') === '1') {
      if (url.pathname === '/api/v1/pods' && this.goneOnce) {
        this.goneOnce = false;
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } }) + '\n');
        return;
      }
      this.watchers.push({ path: url.pathname, res });
      res.write(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.version) } } }) + '\n');
      return;
    }
    // Pages of two, as a server with limit=2 would send them.
    const offset = Number(url.searchParams.get('continue') ?? 0);
    const page = selected.slice(offset, offset + 2);
    const next = offset + 2 < selected.length ? String(offset + 2) : undefined;
    res.end(JSON.stringify({ metadata: { resourceVersion: String(this.version), ...(next ? { continue: next } : {}) }, items: page }));
  }

  async stop() {
    for (const w of this.watchers) w.res.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

async function until(what: string, fn: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const names = (resources: Resource[]) => resources.map((r) => `${r.kind}/${r.metadata.name}`);

describe('KubernetesInventory', () => {
  const api = new FakeApiServer();
  const stop = new AbortController();
  const updates: Resource[][] = [];
  let initial: Resource[];
  let source: KubernetesInventory;

  beforeAll(async () => {
    await api.start();
    const dir = mkdtempSync(join(tmpdir(), 'palisade-k8s-'));
    writeFileSync(join(dir, 'token'), 'sa-token-1\n');
    source = new KubernetesInventory({ access: { apiServer: api.url, tokenFile: join(dir, 'token') }, node: 'n1', onChange: (r) => updates.push(r), log: () => undefined, debounceMs: 20 });
    initial = await source.start(stop.signal);
    // The watches open just after the lists: events sent before that would reach no one.
    await until('the three watches', () => new Set(api.watchers.map((w) => w.path)).size === 3);
  });

  afterAll(async () => {
    stop.abort();
    await api.stop();
  });

  it("lists only this node's pods, with the ServiceAccount's token, across pages", () => {
    const podLists = api.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.has('watch'));
    expect(podLists.map((r) => r.query.get('fieldSelector'))).toEqual(['spec.nodeName=n1', 'spec.nodeName=n1']);
    expect(podLists[1]!.query.get('continue')).toBe('2');
    expect(api.requests.every((r) => r.auth === 'Bearer sa-token-1')).toBe(true);
  });

  it('reports running pods with addresses, and the namespaces and service accounts that label them', () => {
    // The host-network pod has no workload endpoint; the pending one no address yet.
    expect(names(initial)).toEqual(['Pod/api', 'Pod/web', 'Namespace/shop', 'ServiceAccount/shop-sa']);
    expect(inventoryProblem('n1', initial)).toBeUndefined();
    const endpoint = buildSnapshot(initial).endpoints.get('shop/api')!;
    expect(endpoint.ips.map((ip) => ip.text)).toEqual(['10.0.0.2']);
    expect(endpoint.ports).toEqual([{ name: 'http', protocol: 6, port: 8080 }]);
    expect({ ...endpoint.labels }).toMatchObject({ app: 'api', 'pcns.team': 'payments', 'pcsa.tier': 'backend', 'projectcalico.org/namespace': 'shop' });
  });

  it('follows the watch: a pod that gets its address, a pod deleted', async () => {
    const starting = api.pods.find((p) => p.metadata.name === 'starting')!;
    api.send('/api/v1/pods', 'MODIFIED', { ...starting, status: { phase: 'Running', podIP: '10.0.0.4', podIPs: [{ ip: '10.0.0.4' }] } });
    await until('the started pod', () => names(updates.at(-1) ?? []).includes('Pod/starting'));
    api.send('/api/v1/pods', 'DELETED', pod('web', 'n1', '10.0.0.3'));
    await until('the deleted pod to go', () => !names(updates.at(-1) ?? []).includes('Pod/web'));
    expect(names(updates.at(-1)!)).toEqual(['Pod/api', 'Pod/starting', 'Namespace/shop', 'ServiceAccount/shop-sa']);
  });

  it('picks up a namespace relabelled', async () => {
    api.send('/api/v1/namespaces', 'MODIFIED', { metadata: { name: 'shop', labels: { team: 'checkout' } } });
    await until('the new namespace labels', () => JSON.stringify(updates.at(-1)).includes('checkout'));
  });

  it('lists again when its watch is too old (410 Gone)', async () => {
    const before = api.lists('/api/v1/pods');
    api.goneOnce = true;
    // End the current pod watch, as a server does at its timeout: the resumed watch gets 410.
    for (const w of api.watchers.filter((x) => x.path === '/api/v1/pods')) w.res.end();
    await until('a new list of pods', () => api.lists('/api/v1/pods') > before);
    expect(source.lagSeconds()).toBeLessThan(5);
  });
});
