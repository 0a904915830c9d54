import type { Member, PolicyInfo } from '../snapshot/types.js';
import type { LabelIndex, SelectorIndex } from './label-index.js';

/**
 * The label indexes a state keeps live for evaluation and compilation: selector → endpoints and
 * network sets, labels → policies, and each policy's place in the evaluation order.
 */
export interface SnapshotIndexes {
  readonly members: LabelIndex<Member>;
  readonly policies: SelectorIndex<PolicyInfo>;
  /** Policy id → its position in `Snapshot.policies`. */
  readonly rank: ReadonlyMap<string, number>;
  /** How many staged policies there are (a flow then also gets its pending verdict). */
  readonly staged: number;
}
