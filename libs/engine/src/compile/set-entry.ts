import type { ParsedCidr } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import type { Member } from '../snapshot/types.js';
import type { CidrSet, Tuple, TupleSet } from './member-sets.js';
import type { Family, IpSetIR, TupleSetIR } from './ir.js';

/** A set a node's chains use, with how to compute its members from the state and how one member contributes. */
export type SetEntry = {
  id: string;
  family: Family;
  source: string;
  /** Chains that use the set. */
  refs: number;
} & (
  | { kind: 'ipSets'; members: CidrSet; contribute: (m: Member) => ParsedCidr[]; recompute: () => ParsedCidr[] }
  | { kind: 'tupleSets'; members: TupleSet; contribute: (m: Member) => Tuple[]; recompute: () => Tuple[] }
);

export function setIR(entry: SetEntry): IpSetIR | TupleSetIR {
  return entry.kind === 'ipSets'
    ? { id: entry.id, family: entry.family, members: entry.members.members(), source: entry.source }
    : { id: entry.id, family: entry.family, members: entry.members.members(), source: entry.source };
}

export /** Why a set's members may change: a selector over members, every endpoint's named ports, or a service. */
type SetTrigger = { selector: Selector } | { everyEndpoint: true } | { service: string };
