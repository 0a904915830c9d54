// Every role against every kind of write, over HTTP with real tokens: each refusal is a 403 that
// names the missing permission, and writes nothing; each allowed write records its actor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@palisade/contracts';
import { startApi, type ApiHarness } from './test-support/api.js';

const calico = (kind: string, name: string, spec: Record<string, unknown>, namespace?: string) => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
});
const knp = (ns: string, name: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {} } });

/** Each write, and the roles that may make it. */
const WRITES: { what: string; resource: (role: Role) => unknown; permission: string; allowed: Role[] }[] = [
  { what: 'Kubernetes NetworkPolicy in the developer namespace', resource: (r) => knp('shop', `web-${r}`), permission: 'write:namespaced-policy', allowed: ['developer', 'security-admin', 'admin'] },
  { what: 'Kubernetes NetworkPolicy in another namespace', resource: (r) => knp('payments', `web-${r}`), permission: 'write:namespaced-policy', allowed: ['security-admin', 'admin'] },
  {
    what: 'Calico NetworkPolicy in the default tier',
    resource: (r) => calico('NetworkPolicy', `allow-web-${r}`, { selector: 'all()', ingress: [{ action: 'Allow' }] }, 'shop'),
    permission: 'write:namespaced-policy',
    allowed: ['developer', 'security-admin', 'admin'],
  },
  {
    what: 'Calico NetworkPolicy in the security tier',
    resource: (r) => calico('NetworkPolicy', `security.guard-${r}`, { tier: 'security', selector: 'all()', ingress: [{ action: 'Pass' }] }, 'shop'),
    permission: 'write:namespaced-policy',
    allowed: ['security-admin', 'admin'],
  },
  {
    what: 'GlobalNetworkPolicy',
    resource: (r) => calico('GlobalNetworkPolicy', `deny-blue-${r}`, { selector: "color == 'blue'", ingress: [{ action: 'Deny' }] }),
    permission: 'write:global-policy',
    allowed: ['security-admin', 'admin'],
  },
  { what: 'Tier', resource: (r) => calico('Tier', `platform-${r}`, { order: 200 }), permission: 'write:tier', allowed: ['security-admin', 'admin'] },
  { what: 'GlobalNetworkSet', resource: (r) => calico('GlobalNetworkSet', `blocked-${r}`, { nets: ['198.51.100.0/24'] }), permission: 'write:network-set', allowed: ['security-admin', 'admin'] },
  { what: 'NetworkSet', resource: (r) => calico('NetworkSet', `partners-${r}`, { nets: ['203.0.113.0/24'] }, 'shop'), permission: 'write:network-set', allowed: ['security-admin', 'admin'] },
  {
    what: 'HostEndpoint',
    resource: (r) => calico('HostEndpoint', `node-1-eth0-${r}`, { node: 'node-1', interfaceName: 'eth0', expectedIPs: ['10.99.0.1'] }),
    permission: 'write:host-endpoint',
    allowed: ['security-admin', 'admin'],
  },
  {
    what: 'FelixConfiguration',
    resource: (r) => calico('FelixConfiguration', 'default', { defaultEndpointToHostAction: r === 'admin' ? 'Accept' : 'Return' }),
    permission: 'write:felix-configuration',
    allowed: ['security-admin', 'admin'],
  },
  {
    what: 'Pod (cluster state)',
    resource: (r) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${r}`, namespace: 'shop', labels: { app: 'web' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'app' }] },
      status: { podIP: '10.99.1.2' },
    }),
    permission: 'write:workload-state',
    allowed: ['admin'],
  },
];
const ROLES: Role[] = ['viewer', 'developer', 'approver', 'security-admin', 'admin'];

describe('role × write matrix over HTTP', () => {
  let api: ApiHarness;
  const tokens = {} as Record<Role, string>;
  beforeAll(async () => {
    api = await startApi('gateway_rbac', { rateLimit: { perSecond: 10_000, burst: 10_000 } });
    for (const role of ROLES) tokens[role] = await api.token(role, role === 'developer' ? ['shop'] : undefined);
    await api.client(tokens.admin).resources.put.mutate({ resources: [calico('Tier', 'security', { order: 100 })] });
  });
  afterAll(() => api?.close());

  for (const write of WRITES) {
    for (const role of ROLES) {
      const allowed = write.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} write a ${write.what}`, async () => {
        const before = await api.events();
        const call = api.client(tokens[role]).resources.put.mutate({ resources: [write.resource(role)], reason: `matrix ${role}` });
        if (allowed) {
          const result = await call;
          expect(result.changes[0]!.op).not.toBe('unchanged');
          const history = await api.client(tokens.viewer).audit.log.query({ resource: result.changes[0]!.key });
          expect(history.events.at(-1)).toMatchObject({ actor: expect.stringMatching(`^token:${role}-${ROLES.indexOf(role) + 1}#[0-9a-f]{12}\\(${role}\\)$`), reason: `matrix ${role}` });
        } else {
          await expect(call).rejects.toMatchObject({ data: { code: 'FORBIDDEN', httpStatus: 403 }, message: expect.stringContaining(write.permission) });
          expect(await api.events()).toBe(before);
        }
      });
    }
  }

  it('refuses non-resource actions to the roles without them', async () => {
    for (const role of ROLES) {
      const c = api.client(tokens[role]);
      const release = c.releases.create.mutate({});
      if (['security-admin', 'admin'].includes(role)) await expect(release).resolves.toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      else await expect(release).rejects.toMatchObject({ data: { httpStatus: 403 }, message: expect.stringContaining('release:create') });
      const cluster = c.clusters.register.mutate({ name: `c-${role}`, labels: {} });
      if (role === 'admin') await expect(cluster).resolves.toMatchObject({ changed: true });
      else await expect(cluster).rejects.toMatchObject({ data: { httpStatus: 403 }, message: expect.stringContaining('cluster:manage') });
      const token = c.tokens.create.mutate({ token: { name: `t-${role}`, role: 'viewer' } });
      if (role === 'admin') await expect(token).resolves.toMatchObject({ token: expect.stringMatching(/^pal_/) });
      else await expect(token).rejects.toMatchObject({ data: { httpStatus: 403 }, message: expect.stringContaining('token:manage') });
    }
  });

  it('keeps a developer in their namespace and tier: reach beyond is fine, moving or deleting outside is not', async () => {
    const dev = api.client(tokens.developer);
    // A policy in "shop" whose rules reach every namespace still only applies to shop's pods: allowed.
    const reach = calico('NetworkPolicy', 'from-anywhere', { selector: 'all()', ingress: [{ action: 'Allow', source: { namespaceSelector: 'all()' } }] }, 'shop');
    await expect(dev.resources.put.mutate({ resources: [reach] })).resolves.toMatchObject({ changes: [{ op: 'applied' }] });
    const before = await api.events();
    // Moving it into the security tier (a new name is needed by Calico; the stored one stays) is refused.
    await expect(
      dev.resources.put.mutate({ resources: [calico('NetworkPolicy', 'security.from-anywhere', { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow' }] }, 'shop')] }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('may not write in tier security'),
    });
    // Deleting a security-admin's policy in another namespace is refused.
    await api.client(tokens['security-admin']).resources.put.mutate({ resources: [knp('payments', 'locked')] });
    const afterSetup = await api.events();
    await expect(dev.resources.delete.mutate({ keys: ['KubernetesNetworkPolicy/payments/locked'] })).rejects.toMatchObject({ message: expect.stringContaining('may not write in namespace payments') });
    // One refused resource in a change refuses the whole change.
    await expect(dev.resources.put.mutate({ resources: [knp('shop', 'ok'), knp('payments', 'sneaky')] })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    expect(await api.events()).toBe(afterSetup);
    expect(afterSetup).toBeGreaterThan(before);
  });
});
