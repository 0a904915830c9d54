import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@palisade/bus';
import { FLOW_BATCH_MAX_RECORDS, type FlowBatch, type FlowRecord } from '@palisade/contracts';

/**
 * Publishes flow records to JetStream in batches, at least once: a batch that is not acked stays
 * queued and is sent again (same message id, so the stream's duplicate window drops a repeat; the
 * store drops any that gets through). While NATS is away batches queue up to `maxQueued`; past
 * that the oldest are dropped and counted, so an agent never grows without bound.
 */
export class FlowPublisher {
  private readonly queue: FlowBatch[] = [];
  private sending: Promise<void> | undefined;
  /** Records handed over, and of those: dropped for room, acked by JetStream (each once), still queued. */
  enqueued = 0;
  dropped = 0;
  published = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    private readonly node: string,
    private readonly maxQueued = 500,
  ) {}

  /** Records waiting to be sent. */
  get queued(): number {
    return this.queue.reduce((sum, batch) => sum + batch.records.length, 0);
  }

  enqueue(records: readonly FlowRecord[]): void {
    this.enqueued += records.length;
    for (let i = 0; i < records.length; i += FLOW_BATCH_MAX_RECORDS) this.queue.push({ cluster: this.cluster, node: this.node, records: records.slice(i, i + FLOW_BATCH_MAX_RECORDS) });
    while (this.queue.length > this.maxQueued) {
      this.dropped += this.queue.shift()!.records.length;
    }
  }

  /** Sends what is queued, oldest first; stops at the first failure (tried again on the next flush). */
  flush(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async send(): Promise<void> {
    const js = jetstream(this.nc);
    while (this.queue.length && !this.nc.isClosed()) {
      const batch = this.queue[0]!;
      const body = JSON.stringify(batch);
      const msgID = createHash('sha256').update(body).digest('hex').slice(0, 32);
      try {
        await js.publish(subjects.agentFlows(this.cluster, this.node), body, { msgID, timeout: 5_000 });
      } catch {
        return;
      }
      this.queue.shift();
      this.published += batch.records.length;
    }
  }
}
