import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterState } from '@palisade/engine';
import type { Dataplane } from '../dataplane/dataplane.js';
import { sleep } from '../watch.js';
import { FlowAggregator, type FlowObservation } from './aggregator.js';
import { flowEndpoint, policyOfCounter } from './decision.js';
import { FlowPublisher } from './publisher.js';
import { TrafficGenerator, type TrafficMix } from './traffic.js';

export interface NodeFlowsOptions {
  nc: NatsConnection;
  cluster: string;
  node: string;
  dataplane: Dataplane;
  /** Records are aggregated per interval (default 10 s) and published at its end. */
  intervalSeconds?: number;
  /** Traffic for a simulated dataplane to generate and decide with the engine. */
  traffic?: TrafficMix;
  log: (level: 'warn', message: string, fields: Record<string, unknown>) => void;
  /** The agent's periodic loop (it stops when the agent does). */
  every: (seconds: number, fn: () => Promise<void>) => Promise<void>;
  /** The state in force on the node (its last apply succeeded): what names and decides traffic. */
  enforced: () => ClusterState | undefined;
}

/**
 * A node's flow logs: what the dataplane witnessed (or, simulated, what the traffic mix generates)
 * aggregated per interval and published to JetStream, with counts of what became of every record.
 */
export class NodeFlows {
  private readonly aggregator: FlowAggregator;
  private readonly publisher: FlowPublisher;
  private traffic: TrafficGenerator | undefined;

  constructor(private readonly options: NodeFlowsOptions) {
    this.aggregator = new FlowAggregator(options.cluster, options.node);
    this.publisher = new FlowPublisher(options.nc, options.cluster, options.node);
  }

  /** Starts the interval loop (and the traffic generator); the tasks end when the agent stops. */
  start(): Promise<void>[] {
    const tasks = [
      this.options.every(this.options.intervalSeconds ?? 10, async () => {
        await this.collectWitnessed();
        this.publisher.enqueue(this.aggregator.flush());
        await this.publisher.flush();
      }),
    ];
    if (this.options.traffic && this.options.dataplane.kind === 'simulated') {
      const traffic = (this.traffic = new TrafficGenerator(this.options.node, this.options.traffic));
      let last = performance.now();
      tasks.push(
        this.options.every(1, async () => {
          const now = performance.now();
          const state = this.options.enforced();
          if (state) traffic.tick(state, (now - last) / 1000, (o) => this.observe(o));
          last = now;
        }),
      );
    }
    return tasks;
  }

  /** A new state is in force: the generated traffic picks its endpoints again. */
  stateChanged(): void {
    this.traffic?.invalidate();
  }

  /** A flow the dataplane witnessed, counted into the current interval. */
  observe(observation: FlowObservation): void {
    this.aggregator.add(observation);
  }

  /** Records generated, and of those published (acked by JetStream), dropped for room, and still queued. */
  get stats(): { generated: number; published: number; queued: number; dropped: number } {
    const p = this.publisher;
    return { generated: p.enqueued, published: p.published, queued: p.queued, dropped: p.dropped };
  }

  /** The interval under way, published on a clean stop if NATS takes it within `withinMs`. */
  async flushLast(withinMs: number): Promise<void> {
    if (this.options.nc.isClosed()) return;
    this.publisher.enqueue(this.aggregator.flush());
    await Promise.race([this.publisher.flush(), sleep(withinMs)]);
  }

  /** What a kernel dataplane counted, named by the endpoints of the state in force. */
  private async collectWitnessed(): Promise<void> {
    const read = this.options.dataplane.readFlows;
    const snapshot = this.options.enforced();
    if (!read || !snapshot) return;
    const flows = await read.call(this.options.dataplane).catch((error: unknown) => {
      this.options.log('warn', 'could not read the flow counters', { error: String(error) });
      return [];
    });
    for (const f of flows) {
      const source = snapshot.endpointByIp.get(f.src);
      const destination = snapshot.endpointByIp.get(f.dst);
      this.observe({
        reporter: destination?.node === this.options.node ? 'dst' : 'src',
        source: flowEndpoint(source, f.src),
        destination: flowEndpoint(destination, f.dst),
        protocol: f.protocol,
        port: f.port,
        action: f.action,
        policy: policyOfCounter(f.decidedBy),
        packets: f.packets,
        bytes: f.bytes,
        connectionsStarted: f.started && f.action === 'Allow' ? 1 : 0,
        connectionsCompleted: 0,
      });
    }
  }
}
