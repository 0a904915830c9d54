import { compareTuples, tupleKey, type MemberChanges, type Tuple } from './member-sets.js';
import type { EndpointIR, IpSetIR, NodeIR, PolicyChainIR, TupleSetIR } from './ir.js';

/**
 * What changed in a node's IR: whole objects to write and ids to delete, per kind, and for sets
 * that stay, the members that joined and left (what `nft add element` / `delete element` take).
 */
export interface IrDiff {
  node: string;
  endpoints: { upsert: EndpointIR[]; remove: string[] };
  chains: { upsert: PolicyChainIR[]; remove: string[] };
  ipSets: { upsert: IpSetIR[]; remove: string[]; members: ({ id: string } & MemberChanges<string>)[] };
  tupleSets: { upsert: TupleSetIR[]; remove: string[]; members: ({ id: string } & MemberChanges<Tuple>)[] };
  /** Present when the node's Felix settings changed. */
  felix?: NodeIR['felix'];
}

export const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const sortRecord = <T>(entries: Iterable<[string, T]>): Record<string, T> => Object.fromEntries([...entries].sort(([a], [b]) => byId(a, b)));

export function emptyDiff(node: string): IrDiff {
  return { node, endpoints: { upsert: [], remove: [] }, chains: { upsert: [], remove: [] }, ipSets: { upsert: [], remove: [], members: [] }, tupleSets: { upsert: [], remove: [], members: [] } };
}

export function sortDiff(diff: IrDiff): IrDiff {
  for (const part of [diff.endpoints, diff.chains, diff.ipSets, diff.tupleSets]) {
    (part.upsert as { id: string }[]).sort((a, b) => byId(a.id, b.id));
    part.remove.sort(byId);
  }
  diff.ipSets.members.sort((a, b) => byId(a.id, b.id));
  diff.tupleSets.members.sort((a, b) => byId(a.id, b.id));
  return diff;
}

/** The difference between two IRs of a node, as whole objects (what a full rebuild reports). */
export function diffIr(previous: NodeIR, next: NodeIR): IrDiff {
  const diff = emptyDiff(next.node);
  const compare = <T extends { id: string }>(a: Record<string, T>, b: Record<string, T>, part: { upsert: T[]; remove: string[] }) => {
    for (const id of Object.keys(a)) if (!(id in b)) part.remove.push(id);
    for (const [id, item] of Object.entries(b)) if (JSON.stringify(a[id]) !== JSON.stringify(item)) part.upsert.push(item);
  };
  const byKey = (list: EndpointIR[]) => Object.fromEntries(list.map((e) => [e.id, e]));
  compare(byKey(previous.endpoints), byKey(next.endpoints), diff.endpoints);
  compare(previous.chains, next.chains, diff.chains);
  compare(previous.ipSets, next.ipSets, diff.ipSets);
  compare(previous.tupleSets, next.tupleSets, diff.tupleSets);
  if (JSON.stringify(previous.felix) !== JSON.stringify(next.felix)) diff.felix = next.felix;
  return sortDiff(diff);
}

/** Applies a diff to an IR (what an agent holding the last IR does with an update). */
export function applyIrDiff(ir: NodeIR, diff: IrDiff): NodeIR {
  const endpoints = new Map(ir.endpoints.map((e) => [e.id, e]));
  for (const id of diff.endpoints.remove) endpoints.delete(id);
  for (const e of diff.endpoints.upsert) endpoints.set(e.id, e);
  const patch = <T>(record: Record<string, T>, part: { upsert: (T & { id: string })[]; remove: string[] }) => {
    const map = new Map(Object.entries(record));
    for (const id of part.remove) map.delete(id);
    for (const item of part.upsert) map.set(item.id, item);
    return map;
  };
  const ipSets = patch(ir.ipSets, diff.ipSets);
  for (const change of diff.ipSets.members) {
    const set = ipSets.get(change.id)!;
    const members = new Set(set.members);
    for (const m of change.remove) members.delete(m);
    for (const m of change.add) members.add(m);
    ipSets.set(change.id, { ...set, members: [...members].sort() });
  }
  const tupleSets = patch(ir.tupleSets, diff.tupleSets);
  for (const change of diff.tupleSets.members) {
    const set = tupleSets.get(change.id)!;
    const members = new Map(set.members.map((m) => [tupleKey(m), m]));
    for (const m of change.remove) members.delete(tupleKey(m));
    for (const m of change.add) members.set(tupleKey(m), m);
    tupleSets.set(change.id, { ...set, members: [...members.values()].sort(compareTuples) });
  }
  return {
    node: ir.node,
    endpoints: [...endpoints.values()].sort((a, b) => byId(a.id, b.id)),
    chains: sortRecord(patch(ir.chains, diff.chains)),
    ipSets: sortRecord(ipSets),
    tupleSets: sortRecord(tupleSets),
    felix: diff.felix ?? ir.felix,
  };
}

/** True when a diff changes nothing. */
export function isEmptyDiff(diff: IrDiff): boolean {
  return (
    !diff.felix &&
    [diff.endpoints, diff.chains, diff.ipSets, diff.tupleSets].every((p) => p.upsert.length === 0 && p.remove.length === 0) &&
    !diff.ipSets.members.length &&
    !diff.tupleSets.members.length
  );
}
