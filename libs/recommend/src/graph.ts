import type { FlowEndpoint } from '@palisade/contracts';
import { workloadLabels } from './stable-labels.js';

/** A raw edge as the flow store counts it. */
export interface RawEdge {
  source: FlowEndpoint;
  destination: FlowEndpoint;
  protocol: string;
  port: number | null;
  action: 'Allow' | 'Deny';
  policy: string;
  /** Which end reported it; absent: treated as the destination. */
  reporter?: 'src' | 'dst';
  records: number;
  bytes: number;
}

export interface GraphNode {
  /** "namespace/workload" for workloads, the address for anything else. */
  id: string;
  namespace: string | null;
  label: string;
  kind: 'workload' | 'external';
  pods: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** allow, deny, or mixed when the same pair saw both. */
  verdict: 'allow' | 'deny' | 'mixed';
  records: number;
  bytes: number;
  /** Per port, verdict and deciding rule, with one concrete pod pair to ask the simulator about. */
  details: { protocol: string; port: number | null; action: 'Allow' | 'Deny'; policy: string; records: number; sample: { from: string; to: string } }[];
}

function nodeOf(side: FlowEndpoint): { id: string; namespace: string | null; label: string; kind: GraphNode['kind']; instance: string } {
  const instance = side.name ? `${side.namespace ? `${side.namespace}/` : ''}${side.name}` : (side.ip ?? '?');
  if (side.namespace && side.name) {
    const labels = workloadLabels(side.labels);
    const label = Object.values(labels).join('/') || side.name;
    return { id: `${side.namespace}/${label}`, namespace: side.namespace, label, kind: 'workload', instance };
  }
  return { id: instance, namespace: null, label: instance, kind: 'external', instance };
}

/**
 * The service graph: workloads (pods grouped by their stable labels, per namespace) and outside
 * addresses as nodes, observed traffic between them as edges with its verdicts and volumes.
 */
export function serviceGraph(raw: readonly RawEdge[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode & { instances: Set<string> }>();
  const edges = new Map<string, GraphEdge>();
  const touch = (n: ReturnType<typeof nodeOf>) => {
    let node = nodes.get(n.id);
    if (!node) nodes.set(n.id, (node = { id: n.id, namespace: n.namespace, label: n.label, kind: n.kind, pods: 0, instances: new Set() }));
    node.instances.add(n.instance);
  };
  // Both ends report a flow: one its destination denied, its source still reports allowed (its
  // egress let it out). Such a flow was denied; its source's "allowed" records are left out.
  const side = (e: RawEdge) => `${nodeOf(e.source).instance}|${nodeOf(e.destination).instance}|${e.protocol}|${e.port ?? ''}`;
  const deniedAtDestination = new Set(raw.filter((e) => e.action === 'Deny' && e.reporter !== 'src').map(side));
  for (const e of raw) {
    if (e.action === 'Allow' && e.reporter === 'src' && deniedAtDestination.has(side(e))) continue;
    const from = nodeOf(e.source);
    const to = nodeOf(e.destination);
    touch(from);
    touch(to);
    const id = `${from.id}→${to.id}`;
    let edge = edges.get(id);
    if (!edge) edges.set(id, (edge = { id, source: from.id, target: to.id, verdict: e.action === 'Allow' ? 'allow' : 'deny', records: 0, bytes: 0, details: [] }));
    edge.records += e.records;
    edge.bytes += e.bytes;
    if ((edge.verdict === 'allow' && e.action === 'Deny') || (edge.verdict === 'deny' && e.action === 'Allow')) edge.verdict = 'mixed';
    const detail = edge.details.find((d) => d.protocol === e.protocol && d.port === e.port && d.action === e.action && d.policy === e.policy);
    if (detail) detail.records += e.records;
    else edge.details.push({ protocol: e.protocol, port: e.port, action: e.action, policy: e.policy, records: e.records, sample: { from: from.instance, to: to.instance } });
  }
  for (const edge of edges.values()) edge.details.sort((a, b) => b.records - a.records);
  return {
    nodes: [...nodes.values()].map(({ instances, ...n }) => ({ ...n, pods: n.kind === 'workload' ? instances.size : 0 })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges: [...edges.values()].sort((a, b) => b.records - a.records),
  };
}
