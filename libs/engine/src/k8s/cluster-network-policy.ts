import type { CalicoGlobalNetworkPolicy } from '../model/calico.js';
import type { ClusterNetworkPolicy, CnpEgressPeer, CnpIngressPeer, CnpProtocol, LabelSelector } from '../model/kubernetes.js';
import type { EntityRule, Rule } from '../model/rule.js';
import { parseCidr } from '../net/index.js';
import { portRange, portToValue, protocolFromString, singlePort, type Port } from '../numorstring/index.js';
import type { Path } from '../schema/schema.js';
import { compareCodePoints } from '../util/codepoint-compare.js';
import type { ConversionError } from './network-policy.js';
import { simplifyPorts } from './ports.js';
import { k8sSelectorToCalico, ORCHESTRATOR_K8S } from './selectors.js';

export const CNP_TIERS = { Admin: 'kube-admin', Baseline: 'kube-baseline' } as const;
const ACTIONS = { Accept: 'Allow', Deny: 'Deny', Pass: 'Pass' } as const;

export interface ConvertedClusterNetworkPolicy {
  /** The policy as Calico holds it: a GlobalNetworkPolicy in kube-admin or kube-baseline. */
  policy: CalicoGlobalNetworkPolicy;
  errors: ConversionError[];
}

class RuleError extends Error {}

/** A NamespacedPod's namespaceSelector is not a pointer upstream: missing means every namespace. */
const namespaces = (selector: LabelSelector | undefined) => k8sSelectorToCalico(selector ?? {}, 'namespace');

function protocolPorts(protocols: CnpProtocol[] | undefined): Map<string, Port[] | null> {
  if (!protocols?.length) return new Map([['', null]]);
  const byProtocol = new Map<string, Port[] | null>();
  for (const p of protocols) {
    if (p.destinationNamedPort !== undefined) throw new RuleError('named ports are not supported yet.');
    for (const [field, name] of [
      ['tcp', 'TCP'],
      ['udp', 'UDP'],
      ['sctp', 'SCTP'],
    ] as const) {
      const entry = p[field];
      if (!entry) continue;
      const port = entry.destinationPort;
      if (!port) {
        byProtocol.set(name, null);
        continue;
      }
      const converted = port.number !== undefined ? singlePort(port.number) : port.range ? portRange(port.range.start, port.range.end) : undefined;
      if (!converted) throw new RuleError('a destinationPort must set number or range');
      const existing = byProtocol.get(name);
      if (existing === null) continue;
      byProtocol.set(name, [...(existing ?? []), converted]);
    }
  }
  return byProtocol;
}

function ingressPeer(peer: CnpIngressPeer): EntityRule {
  if (peer.namespaces) return { namespaceSelector: k8sSelectorToCalico(peer.namespaces, 'namespace') };
  if (peer.pods) return { selector: k8sSelectorToCalico(peer.pods.podSelector, 'pod'), namespaceSelector: namespaces(peer.pods.namespaceSelector) };
  throw new RuleError("none of supported fields in 'From' is set.");
}

function egressPeer(peer: CnpEgressPeer): EntityRule {
  if (peer.namespaces) return { namespaceSelector: k8sSelectorToCalico(peer.namespaces, 'namespace') };
  if (peer.pods) return { selector: k8sSelectorToCalico(peer.pods.podSelector, 'pod'), namespaceSelector: namespaces(peer.pods.namespaceSelector) };
  if (peer.networks) {
    return {
      nets: peer.networks.map((text) => {
        const cidr = parseCidr(text);
        if (!cidr) throw new RuleError(`invalid CIDR in ANP rule: ${text}`);
        return cidr.text;
      }),
    };
  }
  // nodes and domainNames have no Calico equivalent here.
  throw new RuleError("none of supported fields in 'To' is set.");
}

/**
 * Converts an upstream ClusterNetworkPolicy the way Calico 3.32 does: a GlobalNetworkPolicy in
 * kube-admin or kube-baseline, ordered by priority, one rule per protocol and peer. A rule that
 * cannot be converted fails closed: a Deny or Pass rule becomes deny-everything, an Accept rule
 * is dropped.
 */
export function convertClusterNetworkPolicy(cnp: ClusterNetworkPolicy): ConvertedClusterNetworkPolicy {
  const { spec } = cnp;
  const errors: ConversionError[] = [];
  const subject = spec.subject;
  const selector = subject.namespaces ? ORCHESTRATOR_K8S : k8sSelectorToCalico(subject.pods?.podSelector ?? {}, 'pod');
  const namespaceSelector = subject.namespaces ? k8sSelectorToCalico(subject.namespaces, 'namespace') : namespaces(subject.pods?.namespaceSelector);

  const convert = (direction: 'ingress' | 'egress'): Rule[] => {
    const out: Rule[] = [];
    const rules = direction === 'ingress' ? spec.ingress : spec.egress;
    rules?.forEach((rule, index) => {
      const at: Path = [direction, index];
      const action = ACTIONS[rule.action];
      try {
        const peers = direction === 'ingress' ? (rule as { from: CnpIngressPeer[] }).from.map(ingressPeer) : (rule as { to: CnpEgressPeer[] }).to.map(egressPeer);
        const byProtocol = protocolPorts(rule.protocols);
        const converted: Rule[] = [];
        for (const protocol of [...byProtocol.keys()].sort(compareCodePoints)) {
          const ports = byProtocol.get(protocol);
          for (const peer of peers) {
            const portFields = ports ? { ports: simplifyPorts(ports).map(portToValue) } : {};
            converted.push({
              action,
              ...(protocol ? { protocol: protocolFromString(protocol).value } : {}),
              ...(direction === 'ingress' ? { source: peer, ...(ports ? { destination: portFields } : {}) } : { destination: { ...portFields, ...peer } }),
              ...(rule.name ? { metadata: { annotations: { name: rule.name } } } : {}),
            });
          }
        }
        out.push(...converted);
      } catch (error) {
        if (!(error instanceof RuleError)) throw error;
        errors.push({ path: at, message: `k8s rule couldn't be converted: ${error.message}` });
        if (action !== 'Allow') out.push({ action: 'Deny' });
      }
    });
    return out;
  };

  const ingress = convert('ingress');
  const egress = convert('egress');
  const types = [...(ingress.length ? (['Ingress'] as const) : []), ...(egress.length ? (['Egress'] as const) : [])];
  const policy: CalicoGlobalNetworkPolicy = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: cnp.metadata.name },
    spec: {
      tier: CNP_TIERS[spec.tier],
      order: spec.priority,
      selector,
      namespaceSelector,
      ...(types.length ? { types } : {}),
      ...(ingress.length ? { ingress } : {}),
      ...(egress.length ? { egress } : {}),
    },
  };
  return { policy, errors };
}
