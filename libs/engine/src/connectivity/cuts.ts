import type { CompiledRule, Endpoint } from '../snapshot/types.js';
import type { Snapshot } from '../eval/snapshot.js';

/** Where rules' destination ports start and stop mattering, per protocol (0: rules for any protocol). */
export interface PortCuts {
  numeric: Map<number, number[]>;
  /** Named ports (resolved on the destination endpoint) and services (their ports) the rules name. */
  names: Set<string>;
  services: { namespace: string; name: string }[];
}

export function cutsOf(rules: Iterable<CompiledRule>): PortCuts {
  const cuts: PortCuts = { numeric: new Map(), names: new Set(), services: [] };
  for (const rule of rules) {
    const entity = rule.destination;
    for (const list of [entity.ports, entity.notPorts]) {
      for (const p of list ?? []) {
        if ('name' in p) {
          cuts.names.add(p.name);
          continue;
        }
        const key = rule.protocol ?? 0;
        let numeric = cuts.numeric.get(key);
        if (!numeric) cuts.numeric.set(key, (numeric = []));
        numeric.push(p.min, p.max + 1);
      }
    }
    if (entity.services) cuts.services.push(entity.services);
  }
  return cuts;
}

/** The cut points for one protocol of a flow to `destination` (whose named ports the rules resolve on). */
export function cutsFor(snapshot: Snapshot, parts: readonly PortCuts[], protocol: number, destination: Endpoint): number[] {
  const cuts: number[] = [];
  for (const part of parts) {
    cuts.push(...(part.numeric.get(protocol) ?? []), ...(part.numeric.get(0) ?? []));
    for (const p of destination.ports) if (p.protocol === protocol && part.names.has(p.name)) cuts.push(p.port, p.port + 1);
    for (const s of part.services) {
      for (const p of snapshot.services.get(`${s.namespace}/${s.name}`)?.ports ?? []) if (p.protocol === protocol) cuts.push(p.port, p.port + 1);
    }
  }
  return cuts;
}

/** The rules an endpoint's chain for one direction can run: its tiers', then its profiles'. */
export function chainRules(snapshot: Snapshot, groups: readonly { entries: readonly { rule: CompiledRule }[] }[], endpoint: Endpoint, direction: 'ingress' | 'egress'): CompiledRule[] {
  const rules = groups.flatMap((g) => g.entries.map((e) => e.rule));
  for (const name of endpoint.profiles) {
    const profile = snapshot.profiles.get(name);
    if (profile) rules.push(...(direction === 'ingress' ? profile.ingress : profile.egress));
  }
  return rules;
}
