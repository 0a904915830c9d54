import type { IrDiff, NodeIR } from '@palisade/engine';
import type { Dataplane } from './dataplane.js';

/**
 * No kernel: the IR is kept and traffic is decided by the engine (for demos, scale tests and
 * hosts where the agent may not touch the firewall). Applies always succeed.
 */
export class SimulatedDataplane implements Dataplane {
  readonly kind = 'simulated';
  private current: NodeIR | undefined;
  applies = 0;

  applyFull(ir: NodeIR): Promise<{ mode: 'full' }> {
    this.current = ir;
    this.applies++;
    return Promise.resolve({ mode: 'full' });
  }

  applyChanges(ir: NodeIR, _diffs: readonly IrDiff[]): Promise<{ mode: 'incremental' }> {
    this.current = ir;
    this.applies++;
    return Promise.resolve({ mode: 'incremental' });
  }

  drift(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  remove(): Promise<void> {
    this.current = undefined;
    return Promise.resolve();
  }

  get ir(): NodeIR | undefined {
    return this.current;
  }
}
