import type * as k8s from '../model/kubernetes.js';
import type { ParsedIp } from '../net/index.js';
import { labelSet, type Labels } from '../selector/compile.js';
import type { Endpoint, NodeInfo } from '../snapshot/types.js';
import { ipsOf } from './endpoint-from.js';
import { sortedEntries } from './dump.js';

/**
 * Nodes: those v1 Node resources describe, and those only named by an endpoint (a pod's
 * nodeName, a host endpoint's node), each with its host endpoints. Computed on use from the
 * nodes and endpoints of the moment, and forgotten on any change.
 */
export class NodeCalculator {
  private readonly resources = new Map<string, { labels: Labels; internalIps: ParsedIp[] }>();
  private views: { byName: Map<string, NodeInfo>; byIp: Map<string, NodeInfo> } | undefined;

  constructor(private readonly endpoints: ReadonlyMap<string, Endpoint>) {}

  set(node: k8s.Node): void {
    this.resources.set(node.metadata.name, { labels: labelSet(node.metadata.labels), internalIps: ipsOf((node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)) });
  }

  delete(name: string): void {
    this.resources.delete(name);
  }

  changed(): void {
    this.views = undefined;
  }

  get byName(): ReadonlyMap<string, NodeInfo> {
    return (this.views ??= this.build()).byName;
  }

  get byIp(): ReadonlyMap<string, NodeInfo> {
    return (this.views ??= this.build()).byIp;
  }

  private build(): { byName: Map<string, NodeInfo>; byIp: Map<string, NodeInfo> } {
    const nodes = new Map<string, NodeInfo>();
    const ensure = (name: string) => {
      let info = nodes.get(name);
      if (!info) {
        const resource = this.resources.get(name);
        info = { name, labels: resource?.labels ?? labelSet({}), internalIps: resource?.internalIps ?? [], hostEndpoints: [] };
        nodes.set(name, info);
      }
      return info;
    };
    for (const name of this.resources.keys()) ensure(name);
    for (const endpoint of this.endpoints.values()) {
      if (!endpoint.node && endpoint.kind !== 'host') continue;
      const info = ensure(endpoint.node ?? '');
      if (endpoint.kind === 'host') info.hostEndpoints.push(endpoint.id);
    }
    for (const info of nodes.values()) info.hostEndpoints.sort();
    const byIp = new Map<string, NodeInfo>();
    for (const info of nodes.values()) for (const ip of info.internalIps) byIp.set(ip.text, info);
    return { byName: nodes, byIp };
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return { nodes: sortedEntries(this.byName), byIp: sortedEntries(this.byIp).map(([ip, n]) => [ip, n.name]) };
  }
}
