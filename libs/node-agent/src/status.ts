import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvKeys, subjects } from '@palisade/bus';
import type { AgentHeartbeat, NodeStatusReport } from '@palisade/contracts';

/**
 * A node's status: written to its key in PALISADE_NODES on every change (the ack a rollout waits
 * for; a write that fails is retried until one goes through, newest status first) and carried in
 * every heartbeat, so liveness and what the node enforces travel together.
 */
export class StatusReporter {
  private current: NodeStatusReport | undefined;
  private writing: Promise<void> | undefined;
  private pending = false;
  private readonly started = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly cluster: string,
    private readonly node: string,
    private readonly agentVersion: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  get status(): NodeStatusReport | undefined {
    return this.current;
  }

  report(status: NodeStatusReport): Promise<void> {
    this.current = status;
    this.pending = true;
    this.writing ??= this.flush().finally(() => (this.writing = undefined));
    this.beat();
    return this.writing;
  }

  startHeartbeat(intervalMs: number): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async flush(): Promise<void> {
    let delay = 200;
    while (this.pending) {
      this.pending = false;
      const status = this.current!;
      try {
        await this.kv.put(kvKeys.node(this.cluster, this.node), JSON.stringify(status));
        delay = 200;
      } catch (error) {
        this.onError(error);
        if (this.nc.isClosed()) return;
        this.pending = true;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private beat(): void {
    if (this.nc.isClosed()) return;
    const now = new Date();
    const message: AgentHeartbeat = {
      cluster: this.cluster,
      node: this.node,
      agentVersion: this.agentVersion,
      sentAt: now.toISOString(),
      uptimeSeconds: Math.max(0, (now.getTime() - this.started) / 1000),
      ...(this.current ? { status: { state: this.current.state, release: this.current.release, lastError: this.current.error, lastDrift: this.current.lastDrift } } : {}),
    };
    this.nc.publish(subjects.agentHeartbeat(this.cluster, this.node), JSON.stringify(message));
  }
}
