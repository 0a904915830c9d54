import { isNamespaced, resourceType, type Resource } from '@palisade/engine';
import { parseTokenActor, ROLES, type Role } from '@palisade/contracts';

/**
 * Who may do what. The split the product is built around: application developers write
 * namespaced policy for their own namespaces in the tiers they are granted (the default tier
 * unless told otherwise); security admins own global policy, tiers, network sets and host
 * endpoints, which developers cannot override; approvers approve rollouts; viewers read; admins
 * do everything, including managing tokens.
 */
export { ROLES, type Role };

export interface Principal {
  /** What events record as the actor: for a token, "token:<name>#<id>(<role>)" (contracts' tokenActor). */
  actor: string;
  role: Role;
  /** Developers: the namespaces they may write in. */
  namespaces?: string[];
  /** Developers: the tiers they may write in (default: ["default"]). */
  tiers?: string[];
}

export type Permission =
  | 'read'
  | 'write:namespaced-policy'
  | 'write:global-policy'
  | 'write:tier'
  | 'write:network-set'
  | 'write:host-endpoint'
  | 'write:workload-state'
  | 'write:felix-configuration'
  | 'release:create'
  | 'cluster:manage'
  | 'rollout:approve'
  /** Save rollout plans; start, pause, resume and abort rollouts. */
  | 'rollout:manage'
  | 'token:manage'
  /** A full verification of the hash chain reads every event: not for every reader. */
  | 'audit:verify';

export type Decision = { allowed: true } | { allowed: false; permission: Permission; reason: string };

const ALLOW: Decision = { allowed: true };
const deny = (permission: Permission, reason: string): Decision => ({ allowed: false, permission, reason });

/** The types developers may write: policy that lives in a namespace. */
const NAMESPACED_POLICY = new Set(['KubernetesNetworkPolicy', 'NetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy']);
const GLOBAL_POLICY = new Set(['GlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'ClusterNetworkPolicy']);

/** What writing a resource of this type needs. */
export function permissionFor(type: string): Permission {
  if (NAMESPACED_POLICY.has(type)) return 'write:namespaced-policy';
  if (GLOBAL_POLICY.has(type)) return 'write:global-policy';
  if (type === 'Tier') return 'write:tier';
  if (type === 'NetworkSet' || type === 'GlobalNetworkSet') return 'write:network-set';
  if (type === 'HostEndpoint') return 'write:host-endpoint';
  if (type === 'FelixConfiguration') return 'write:felix-configuration';
  // Pods, Namespaces, Nodes, WorkloadEndpoints, ServiceAccounts, EndpointSlices, Profiles: cluster state agents report.
  return 'write:workload-state';
}

/** What security admins own; admins hold all of it and the rest. */
const SECURITY_ADMIN: Permission[] = [
  'read',
  'write:namespaced-policy',
  'write:global-policy',
  'write:tier',
  'write:network-set',
  'write:host-endpoint',
  'write:felix-configuration',
  'release:create',
  'rollout:manage',
  'audit:verify',
];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(['read']),
  developer: new Set(['read', 'write:namespaced-policy']),
  approver: new Set(['read', 'rollout:approve']),
  'security-admin': new Set(SECURITY_ADMIN),
  admin: new Set([...SECURITY_ADMIN, 'write:workload-state', 'cluster:manage', 'rollout:approve', 'token:manage']),
};

// A token actor ("token:dana#a1b2c3d4e5f6(developer)") carries its role already.
const who = (p: Principal) => (parseTokenActor(p.actor)?.role === p.role ? p.actor : `${p.actor} (${p.role})`);

/** A permission that is not about one resource (create a release, approve a rollout, manage tokens). */
export function authorize(principal: Principal, permission: Permission): Decision {
  return GRANTS[principal.role].has(permission) ? ALLOW : deny(permission, `${who(principal)} lacks ${permission}`);
}

/** The tier a policy resource is in ("default" when it names none); undefined for other kinds. */
export function tierOf(resource: Resource): string | undefined {
  const type = resourceType(resource);
  if (type === 'KubernetesNetworkPolicy' || type === 'StagedKubernetesNetworkPolicy') return 'default';
  if (!NAMESPACED_POLICY.has(type) && !GLOBAL_POLICY.has(type)) return undefined;
  if (type === 'ClusterNetworkPolicy') return (resource as { spec?: { tier?: string } }).spec?.tier === 'Baseline' ? 'kube-baseline' : 'kube-admin';
  return (resource as { spec?: { tier?: string } }).spec?.tier ?? 'default';
}

function scoped(principal: Principal, resource: Resource, permission: Permission): Decision {
  if (principal.role !== 'developer') return ALLOW;
  // A developer writes where they are bound, whatever the policy's selectors reach: a policy only
  // ever applies to endpoints of its own namespace.
  const namespace = resource.metadata.namespace ?? 'default';
  if (!(principal.namespaces ?? []).includes(namespace))
    return deny(permission, `${who(principal)} may not write in namespace ${namespace} (${permission} is granted in: ${(principal.namespaces ?? []).join(', ') || 'no namespace'})`);
  const tier = tierOf(resource)!;
  const tiers = principal.tiers ?? ['default'];
  if (!tiers.includes(tier)) return deny(permission, `${who(principal)} may not write in tier ${tier} (${permission} is granted in tiers: ${tiers.join(', ')})`);
  return ALLOW;
}

/**
 * May this principal apply (or delete) this resource? For a change to an existing resource the
 * stored version is checked too, so nobody edits or deletes what they could not have written, and
 * nobody moves a policy into (or out of) a tier or namespace they do not hold.
 */
export function authorizeWrite(principal: Principal, after: Resource | null, before: Resource | null): Decision {
  for (const resource of [after, before]) {
    if (!resource) continue;
    const permission = permissionFor(resourceType(resource));
    if (!GRANTS[principal.role].has(permission)) {
      const what = `${resourceType(resource)} ${isNamespaced(resource) ? `${resource.metadata.namespace ?? 'default'}/` : ''}${resource.metadata.name}`;
      return deny(permission, `${who(principal)} lacks ${permission}, needed to write ${what}`);
    }
    const decision = scoped(principal, resource, permission);
    if (!decision.allowed) return decision;
  }
  return ALLOW;
}
