import { describe, expect, it } from 'vitest';
import { decodeResource, type Resource } from '@palisade/engine';
import { authorize, authorizeWrite, ROLES, type Principal, type Role } from './roles.js';

const res = (raw: unknown): Resource => {
  const { resource, issues } = decodeResource(raw);
  if (!resource) throw new Error(JSON.stringify(issues));
  return resource;
};
const knp = (ns: string) => res({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: ns }, spec: { podSelector: {} } });
const np = (ns: string, tier?: string, extra: object = {}) =>
  res({
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: tier ? `${tier}.db` : 'db', namespace: ns },
    spec: { ...(tier ? { tier } : {}), selector: "app == 'db'", ...extra },
  });
const gnp = res({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-blue' }, spec: { selector: 'all()' } });
const tier = res({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } });
const gns = res({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'blocked' }, spec: { nets: ['192.0.2.0/24'] } });
const ns = res({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 'partners', namespace: 'shop' }, spec: { nets: ['198.51.100.0/24'] } });
const hep = res({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'eth0' }, spec: { node: 'n1', interfaceName: 'eth0' } });
const cnp = res({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'admin-deny' },
  spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [] },
});
const felix = res({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: {} });
const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' }, spec: {} });

const principal = (role: Role, extra: Partial<Principal> = {}): Principal => ({ actor: `${role}-1`, role, ...extra });
const dev = principal('developer', { namespaces: ['shop', 'cart'] });

describe('who may write what', () => {
  // Every role against every kind of write: true = allowed.
  const table: [string, Resource, Record<Role, boolean>][] = [
    ['Kubernetes NetworkPolicy in an own namespace', knp('shop'), { viewer: false, developer: true, 'security-admin': true, approver: false, admin: true }],
    ['Calico NetworkPolicy in an own namespace, default tier', np('shop'), { viewer: false, developer: true, 'security-admin': true, approver: false, admin: true }],
    ['GlobalNetworkPolicy', gnp, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['ClusterNetworkPolicy', cnp, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['Tier', tier, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['GlobalNetworkSet', gns, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['NetworkSet', ns, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['HostEndpoint', hep, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['FelixConfiguration', felix, { viewer: false, developer: false, 'security-admin': true, approver: false, admin: true }],
    ['Pod (cluster state)', pod, { viewer: false, developer: false, 'security-admin': false, approver: false, admin: true }],
  ];
  for (const [what, resource, expected] of table) {
    it(`${what}: ${ROLES.map((r) => `${r} ${expected[r] ? 'yes' : 'no'}`).join(', ')}`, () => {
      for (const role of ROLES) {
        const p = role === 'developer' ? dev : principal(role);
        const decision = authorizeWrite(p, resource, null);
        expect(decision.allowed, role).toBe(expected[role]);
        if (!decision.allowed) expect(decision.reason).toContain(`${p.actor} (${role})`);
      }
    });
  }

  it('says which permission is missing', () => {
    expect(authorizeWrite(principal('viewer'), gnp, null)).toEqual({
      allowed: false,
      permission: 'write:global-policy',
      reason: 'viewer-1 (viewer) lacks write:global-policy, needed to write GlobalNetworkPolicy deny-blue',
    });
    expect(authorize(principal('developer'), 'release:create')).toEqual({ allowed: false, permission: 'release:create', reason: 'developer-1 (developer) lacks release:create' });
    expect(authorize(principal('approver'), 'rollout:approve')).toEqual({ allowed: true });
    expect(authorize(principal('security-admin'), 'token:manage').allowed).toBe(false);
  });

  it('names a token actor once: it already carries the role', () => {
    const token = principal('viewer', { actor: 'token:vic#a1b2c3d4e5f6(viewer)' });
    expect(authorize(token, 'release:create')).toMatchObject({ reason: 'token:vic#a1b2c3d4e5f6(viewer) lacks release:create' });
  });
});

describe('developers stay in their namespaces and tiers', () => {
  it('refuses a namespace they are not bound to, whatever the policy selects', () => {
    expect(authorizeWrite(dev, knp('payments'), null)).toMatchObject({
      allowed: false,
      permission: 'write:namespaced-policy',
      reason: expect.stringContaining('may not write in namespace payments (write:namespaced-policy is granted in: shop, cart)'),
    });
    // Rules reaching other namespaces do not move where the policy lives: still allowed in shop, still refused elsewhere.
    const reaching = np('shop', undefined, { ingress: [{ action: 'Allow', source: { namespaceSelector: 'all()' } }] });
    expect(authorizeWrite(dev, reaching, null).allowed).toBe(true);
    const reachingElsewhere = np('payments', undefined, { ingress: [{ action: 'Allow', source: { namespaceSelector: "team == 'shop'" } }] });
    expect(authorizeWrite(dev, reachingElsewhere, null).allowed).toBe(false);
  });

  it('refuses tiers not granted, and moving a policy into or out of one', () => {
    expect(authorizeWrite(dev, np('shop', 'security'), null)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('may not write in tier security (write:namespaced-policy is granted in tiers: default)'),
    });
    const granted = { ...dev, tiers: ['default', 'app'] };
    expect(authorizeWrite(granted, np('shop', 'app'), null).allowed).toBe(true);
    // Editing a security-tier policy (even to move it down) is editing what they could not write.
    expect(authorizeWrite(dev, np('shop'), np('shop', 'security')).allowed).toBe(false);
    // Moving their own policy up is writing into the higher tier.
    expect(authorizeWrite(granted, np('shop', 'security'), np('shop', 'app')).allowed).toBe(false);
    // Deleting needs the same right as writing the thing deleted.
    expect(authorizeWrite(dev, null, np('cart')).allowed).toBe(true);
    expect(authorizeWrite(dev, null, np('payments')).allowed).toBe(false);
    expect(authorizeWrite(dev, null, gnp).allowed).toBe(false);
  });

  it('is bound to nothing when given no namespaces', () => {
    expect(authorizeWrite(principal('developer'), knp('shop'), null)).toMatchObject({ allowed: false, reason: expect.stringContaining('(write:namespaced-policy is granted in: no namespace)') });
  });
});
