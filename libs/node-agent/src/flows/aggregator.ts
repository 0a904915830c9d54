import { createHash } from 'node:crypto';
import type { FlowEndpoint, FlowRecord } from '@palisade/contracts';

/** One thing a dataplane witnessed: some packets of one flow, with the verdict and what decided it. */
export interface FlowObservation {
  reporter: 'src' | 'dst';
  source: FlowEndpoint;
  destination: FlowEndpoint;
  protocol: string;
  port: number | null;
  action: 'Allow' | 'Deny';
  policy: string;
  packets: number;
  bytes: number;
  connectionsStarted: number;
  connectionsCompleted: number;
}

/**
 * Flow records per interval, as Calico aggregates them: observations with the same endpoints,
 * protocol, destination port, verdict and deciding rule add up (source ports are not kept). A
 * record's id is a hash of its node, interval and key, so a batch published twice is stored once.
 */
export class FlowAggregator {
  private current = new Map<string, FlowObservation>();
  private startedAt: Date;

  constructor(
    private readonly cluster: string,
    private readonly node: string,
    now = new Date(),
  ) {
    this.startedAt = now;
  }

  add(o: FlowObservation): void {
    const key = JSON.stringify([o.reporter, o.source.namespace, o.source.name ?? o.source.ip, o.destination.namespace, o.destination.name ?? o.destination.ip, o.protocol, o.port, o.action, o.policy]);
    const held = this.current.get(key);
    if (!held) {
      this.current.set(key, { ...o });
      return;
    }
    held.packets += o.packets;
    held.bytes += o.bytes;
    held.connectionsStarted += o.connectionsStarted;
    held.connectionsCompleted += o.connectionsCompleted;
  }

  get size(): number {
    return this.current.size;
  }

  /** The interval's records; a new interval starts now. */
  flush(now = new Date()): FlowRecord[] {
    const start = this.startedAt.toISOString();
    const end = now.toISOString();
    const records = [...this.current].map(([key, o]) => ({
      id: createHash('sha256').update(`${this.cluster}\n${this.node}\n${start}\n${key}`).digest('hex').slice(0, 32),
      cluster: this.cluster,
      node: this.node,
      startTime: start,
      endTime: end,
      ...o,
    }));
    this.current = new Map();
    this.startedAt = now;
    return records;
  }
}
