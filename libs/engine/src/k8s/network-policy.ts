import type { CalicoNetworkPolicy } from '../model/calico.js';
import type { KubernetesNetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../model/kubernetes.js';
import type { EntityRule, Rule } from '../model/rule.js';
import { parseCidr } from '../net/index.js';
import { portFromString, PortError, type Port } from '../numorstring/index.js';
import { portToValue, protocolFromString } from '../numorstring/index.js';
import type { Path } from '../schema/schema.js';
import { compareCodePoints } from '../util/codepoint-compare.js';
import { simplifyPorts } from './ports.js';
import { k8sSelectorToCalico } from './selectors.js';

/** Where Calico puts every Kubernetes NetworkPolicy in its default tier. */
export const KUBERNETES_NETWORK_POLICY_ORDER = 1000;

export interface ConversionError {
  /** Path inside spec. */
  path: Path;
  message: string;
}

export interface ConvertedNetworkPolicy {
  /** The policy as Calico holds it: a projectcalico.org/v3 NetworkPolicy in the default tier. */
  policy: CalicoNetworkPolicy;
  /** Rules that could not be converted (and were left out), as Calico logs them. */
  errors: ConversionError[];
}

interface PeerFields {
  selector?: string;
  namespaceSelector?: string;
  nets?: string[];
  notNets?: string[];
}

function peerFields(peer: NetworkPolicyPeer | undefined, at: Path, errors: ConversionError[]): PeerFields | undefined {
  if (!peer) return {};
  if (peer.ipBlock) {
    const cidr = parseCidr(peer.ipBlock.cidr);
    if (!cidr) {
      errors.push({ path: [...at, 'ipBlock', 'cidr'], message: `invalid CIDR ${JSON.stringify(peer.ipBlock.cidr)}` });
      return undefined;
    }
    const notNets: string[] = [];
    for (const [i, text] of (peer.ipBlock.except ?? []).entries()) {
      const except = parseCidr(text);
      if (!except) {
        errors.push({ path: [...at, 'ipBlock', 'except', i], message: `invalid CIDR ${JSON.stringify(text)}` });
        return undefined;
      }
      notNets.push(except.text);
    }
    return { nets: [cidr.text], ...(notNets.length ? { notNets } : {}) };
  }
  const selector = k8sSelectorToCalico(peer.podSelector, 'pod');
  const namespaceSelector = k8sSelectorToCalico(peer.namespaceSelector, 'namespace');
  return { ...(selector ? { selector } : {}), ...(namespaceSelector ? { namespaceSelector } : {}) };
}

/** protocol → ports (null: every port of it); "" is "any protocol". */
function portsByProtocol(ports: NetworkPolicyPort[] | undefined, at: Path, errors: ConversionError[]): Map<string, Port[] | null> | undefined {
  const byProtocol = new Map<string, Port[] | null>();
  if (!ports || ports.length === 0) return new Map([['', null]]);
  for (const [i, p] of ports.entries()) {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) {
      byProtocol.set(protocol, null);
      continue;
    }
    let port: Port;
    try {
      port = portFromString(p.endPort !== undefined ? `${p.port}:${p.endPort}` : String(p.port));
    } catch (error) {
      errors.push({ path: [...at, i], message: `invalid port: ${error instanceof PortError ? error.message : String(error)}` });
      return undefined;
    }
    const existing = byProtocol.get(protocol);
    if (existing === null) continue;
    byProtocol.set(protocol, [...(existing ?? []), port]);
  }
  return byProtocol;
}

function convertRules(rules: { peers: NetworkPolicyPeer[] | undefined; ports: NetworkPolicyPort[] | undefined }[] | undefined, direction: 'ingress' | 'egress', errors: ConversionError[]): Rule[] {
  const out: Rule[] = [];
  rules?.forEach((rule, index) => {
    const at: Path = [direction, index];
    const peers = rule.peers?.length ? rule.peers : [undefined];
    const fields: PeerFields[] = [];
    for (const [j, peer] of peers.entries()) {
      const converted = peerFields(peer, [...at, direction === 'ingress' ? 'from' : 'to', j], errors);
      if (!converted) return;
      fields.push(converted);
    }
    const byProtocol = portsByProtocol(rule.ports, [...at, 'ports'], errors);
    if (!byProtocol) return;
    for (const protocol of [...byProtocol.keys()].sort(compareCodePoints)) {
      const ports = byProtocol.get(protocol);
      const portFields: Pick<EntityRule, 'ports'> = ports ? { ports: simplifyPorts(ports).map(portToValue) } : {};
      for (const peer of fields) {
        const converted: Rule = { action: 'Allow', ...(protocol ? { protocol: protocolFromString(protocol).value } : {}) };
        if (direction === 'ingress') {
          if (Object.keys(peer).length) converted.source = peer;
          if (ports) converted.destination = portFields;
        } else if (Object.keys(peer).length || ports) {
          converted.destination = { ...portFields, ...peer };
        }
        out.push(converted);
      }
    }
  });
  return out;
}

/**
 * The policy types the Kubernetes API server writes into a NetworkPolicy that names none
 * (SetDefaults_NetworkPolicy): Ingress, and Egress too when it has egress rules. Calico's own
 * converter reads `[Ingress]` for a missing field only because the API server has always filled
 * it in before Calico sees the policy; Palisade reads manifests as written, so it must default
 * the field itself, or a policy written without `policyTypes` would silently lose its egress rules.
 */
export function defaultPolicyTypes(spec: { egress?: readonly unknown[] | undefined }): ('Ingress' | 'Egress')[] {
  return spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * Converts a Kubernetes NetworkPolicy the way Calico does (K8sNetworkPolicyToCalico): default
 * tier, order 1000, the pod selector restricted to Kubernetes pods, one Allow rule per protocol
 * and peer, ipBlock except as notNets, ports merged per protocol, types from policyTypes (defaulted
 * as the API server defaults them when absent).
 */
export function convertKubernetesNetworkPolicy(knp: KubernetesNetworkPolicy): ConvertedNetworkPolicy {
  const spec = knp.spec ?? {};
  const errors: ConversionError[] = [];
  const ingress = convertRules(
    spec.ingress?.map((r) => ({ peers: r.from, ports: r.ports })),
    'ingress',
    errors,
  );
  const egress = convertRules(
    spec.egress?.map((r) => ({ peers: r.to, ports: r.ports })),
    'egress',
    errors,
  );
  const declared = spec.policyTypes?.length ? spec.policyTypes : defaultPolicyTypes(spec);
  const types = (['Ingress', 'Egress'] as const).filter((t) => declared.includes(t));
  const policy: CalicoNetworkPolicy = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: knp.metadata.name, namespace: knp.metadata.namespace ?? 'default' },
    spec: {
      tier: 'default',
      order: KUBERNETES_NETWORK_POLICY_ORDER,
      selector: k8sSelectorToCalico(spec.podSelector ?? {}, 'pod'),
      types: types.length ? types : ['Ingress'],
      ...(ingress.length ? { ingress } : {}),
      ...(egress.length ? { egress } : {}),
    },
  };
  return { policy, errors };
}
