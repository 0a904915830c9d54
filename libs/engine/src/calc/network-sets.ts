import { networkSetLabels } from '../labels/effective.js';
import type * as calico from '../model/calico.js';
import { resourceType } from '../model/resources.js';
import { parseCidr, type ParsedCidr } from '../net/index.js';
import type { LabelIndex } from '../labelindex/label-index.js';
import type { Affected } from '../snapshot/affected.js';
import type { Member, NetworkSetInfo } from '../snapshot/types.js';
import { sourceRef, type SnapshotInput } from './inputs.js';

/** NetworkSets and GlobalNetworkSets: nets that selectors in rules pick by label, like endpoints. */
export class NetworkSetCalculator {
  private readonly sets = new Map<string, NetworkSetInfo>();
  private list: NetworkSetInfo[] = [];

  constructor(private readonly members: LabelIndex<Member>) {}

  get all(): readonly NetworkSetInfo[] {
    return this.list;
  }

  set(key: string, input: SnapshotInput & { resource: calico.CalicoNetworkSet | calico.CalicoGlobalNetworkSet }, affected?: Affected): void {
    const r = input.resource;
    const namespace = r.kind === 'NetworkSet' ? (r.metadata.namespace ?? 'default') : undefined;
    const set: NetworkSetInfo = {
      id: `${resourceType(r)}/${namespace ? `${namespace}/` : ''}${r.metadata.name}`,
      name: r.metadata.name,
      ...(namespace ? { namespace } : {}),
      labels: networkSetLabels(r.metadata.labels, namespace),
      nets: (r.spec?.nets ?? []).map((n) => parseCidr(n, { allowBareIp: true })).filter((c): c is ParsedCidr => c !== undefined),
      source: sourceRef(input),
    };
    this.sets.set(key, set);
    this.list = [...this.sets.values()];
    this.members.set(`n:${set.id}`, { kind: 'networkSet', set }, set.labels);
    affected?.members.push({ sign: 1, member: { kind: 'networkSet', set } });
  }

  delete(key: string, affected?: Affected): void {
    const set = this.sets.get(key);
    if (!set) return;
    this.sets.delete(key);
    this.list = [...this.sets.values()];
    this.members.delete(`n:${set.id}`);
    affected?.members.push({ sign: -1, member: { kind: 'networkSet', set } });
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return this.list;
  }
}
