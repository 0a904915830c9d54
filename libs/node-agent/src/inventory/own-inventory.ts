import type { KV } from '@nats-io/kv';
import { kvKeys } from '@palisade/bus';
import type { NodeInventory } from '@palisade/contracts';
import type { Resource } from '@palisade/engine';
import { sleep } from '../watch.js';

/**
 * This node's inventory in the cluster's bucket, where the other nodes (and the platform) resolve
 * its endpoints from. One publish at a time, retried until it lands; a newer inventory set while
 * one is in flight is published right after it, so the latest always lands last.
 */
export class OwnInventoryPublisher {
  private resources: readonly Resource[];
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly options: { cluster: string; node: string; inventory: readonly Resource[]; signal: AbortSignal; onRetry: (error: unknown) => void },
    private readonly track: (task: Promise<void>) => void,
  ) {
    this.resources = options.inventory;
  }

  /** Publishes `resources` (or the current inventory again) into `kv`. */
  publish(kv: KV, resources?: readonly Resource[]): void {
    if (resources) this.resources = resources;
    if (this.running) {
      this.again = true;
      return;
    }
    const run = (async () => {
      do {
        this.again = false;
        await this.put(kv);
      } while (this.again && !this.options.signal.aborted);
    })().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    this.track(run);
  }

  /** Remembers `resources` for the first publish (before the bucket is bound). */
  set(resources: readonly Resource[]): void {
    this.resources = resources;
  }

  private async put(kv: KV): Promise<void> {
    const { cluster, node, signal } = this.options;
    const body: NodeInventory = { cluster, node, at: new Date().toISOString(), resources: this.resources as unknown as NodeInventory['resources'] };
    for (let delay = 250; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      try {
        await kv.put(kvKeys.node(cluster, node), JSON.stringify(body));
        return;
      } catch (error) {
        this.options.onRetry(error);
        await sleep(delay, signal);
      }
    }
  }
}
