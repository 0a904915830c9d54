import type { CounterRef, IrDiff, NodeIR } from '@palisade/engine';

/** Why a dataplane refused a ruleset: the previous one stays in force. */
export class DataplaneError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'DataplaneError';
  }
}

/** What an agent enforces with. Every apply is atomic: it succeeds whole or changes nothing. */
export interface Dataplane {
  readonly kind: 'nftables' | 'simulated';
  /** Replaces whatever is in force with this IR. */
  applyFull(ir: NodeIR): Promise<{ mode: 'full' }>;
  /** Moves from the IR in force to `ir` by `diffs` (incrementally when the dataplane can), or in full. */
  applyChanges(ir: NodeIR, diffs: readonly IrDiff[]): Promise<{ mode: 'incremental' | 'full' }>;
  /** What changed in the dataplane since the last apply, out of band; undefined when nothing did. */
  drift(): Promise<string | undefined>;
  /** Removes what this agent put in place (on uninstall, not on stop: a stopped agent keeps enforcing). */
  remove(): Promise<void>;
  /**
   * Calls `onChange` whenever the dataplane may have changed (the kernel's change notifications),
   * so drift is checked at once rather than at the next periodic read; returns how to stop.
   */
  watchChanges?(onChange: () => void): () => void;
  /** Flows the dataplane itself counted since the last call (a kernel dataplane with flow logs on). */
  readFlows?(): Promise<WitnessedFlow[]>;
}

/** A flow as a dataplane counted it: addresses, protocol, port, verdict, what decided, packets and bytes. */
export interface WitnessedFlow {
  action: 'Allow' | 'Deny';
  src: string;
  dst: string;
  protocol: string;
  port: number | null;
  packets: number;
  bytes: number;
  started: boolean;
  decidedBy: CounterRef | undefined;
}
