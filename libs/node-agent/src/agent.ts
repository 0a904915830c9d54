import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, kvKeys, openBucket, readReleaseContent, ReleaseContentError } from '@palisade/bus';
import { DesiredRelease, NodeInventory, nodeFromKeyToken, nodeKeyToken, type NodeStatusReport } from '@palisade/contracts';
import { isEmptyDiff, type IrDiff, type Resource } from '@palisade/engine';
import { contextFromTraceparent, inSpan, SpanKind, SpanStatusCode } from '@palisade/telemetry';
import type { Dataplane } from './dataplane/dataplane.js';
import { withFailsafes, type FailsafeSettings } from './failsafe.js';
import { ClusterInventory } from './inventory/cluster-inventory.js';
import { inventoryProblem } from './inventory/node-inventory.js';
import { OwnInventoryPublisher } from './inventory/own-inventory.js';
import { NodePolicy } from './node-policy.js';
import { StatusReporter } from './status.js';
import type { FlowObservation } from './flows/aggregator.js';
import { NodeFlows } from './flows/node-flows.js';
import type { TrafficMix } from './flows/traffic.js';
import { sleep, watchForever } from './watch.js';

export type AgentLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface NodeAgentOptions {
  nc: NatsConnection;
  cluster: string;
  node: string;
  dataplane: Dataplane;
  agentVersion: string;
  /** This node's endpoints (and the namespaces and service accounts labelling them), reported to the cluster. */
  inventory: readonly Resource[];
  failsafe?: FailsafeSettings;
  heartbeatSeconds?: number;
  /** How often the dataplane is read back for out-of-band changes (0: never). */
  driftSeconds?: number;
  /** How often the desired release is read even without a watch event: a safety net under the watch. */
  resyncSeconds?: number;
  /** How soon a failed apply is tried again when nothing else changes. */
  retrySeconds?: number;
  log?: AgentLog;
  /**
   * Flow logs: records aggregated per `intervalSeconds` (default 10) and published to JetStream.
   * With `traffic`, the simulated dataplane generates that traffic and decides it with the
   * engine; a kernel dataplane reports what its flow source witnessed (observe()).
   */
  flows?: { intervalSeconds?: number; traffic?: TrafficMix };
}

/**
 * The agent's whole job: converge the node to its cluster's desired release. It watches the
 * desired release and the cluster's inventory; one loop at a time fetches and checks a new
 * release, compiles the node, applies it atomically and reports the outcome. Whatever happens
 * (a release that does not unpack, a ruleset the kernel refuses, NATS going away) the last good
 * ruleset stays in force and the status says why; it tries again on the next change or after
 * `retrySeconds`, and a restart converges from the current desired release by itself.
 */
export class NodeAgent {
  private readonly inventory = new ClusterInventory();
  private readonly own: OwnInventoryPublisher;
  private readonly abort = new AbortController();
  private desired: DesiredRelease | undefined;
  private policy: NodePolicy | undefined;
  /** The release in force (its last apply succeeded), and whether the dataplane holds `policy` exactly. */
  private inForce: string | null = null;
  private policyApplied = false;
  private pendingKeys = new Set<string>();
  private dirty = false;
  private loop: Promise<void> | undefined;
  private status!: StatusReporter;
  private kv!: { desired: KV; releases: KV; nodes: KV; inventory: KV };
  private readonly tasks: Promise<unknown>[] = [];
  private readonly log: AgentLog;
  private lastDrift: { at: string; change: string } | null = null;
  /** The policy the dataplane holds now (its last apply succeeded); what traffic is decided by. */
  private enforced: NodePolicy | undefined;
  private flows: NodeFlows | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    this.log = options.log ?? (() => undefined);
    this.own = new OwnInventoryPublisher(
      {
        cluster: options.cluster,
        node: options.node,
        inventory: options.inventory,
        signal: this.abort.signal,
        onRetry: (error) => this.log('warn', "could not publish this node's inventory; retrying", { error: String(error) }),
      },
      (task) => this.tasks.push(task),
    );
  }

  /** Resolves once the agent has bound its buckets; it publishes its inventory (until that lands) and runs until stop(). */
  async start(): Promise<void> {
    const { nc } = this.options;
    this.kv = {
      desired: await this.bind(buckets.desired),
      releases: await this.bind(buckets.releases),
      nodes: await this.bind(buckets.nodes),
      inventory: await this.bind(buckets.inventory),
    };
    this.status = new StatusReporter(nc, this.kv.nodes, this.options.cluster, this.options.node, this.options.agentVersion, (error) =>
      this.log('warn', 'could not write the node status; retrying', { error: String(error) }),
    );
    this.status.startHeartbeat((this.options.heartbeatSeconds ?? 10) * 1000);
    const signal = this.abort.signal;
    this.own.publish(this.kv.inventory);
    this.tasks.push(
      watchForever(this.kv.inventory, kvKeys.clusterNodes(this.options.cluster), (e) => this.onInventory(e.key, e.operation === 'PUT' ? e.string() : undefined), {
        signal,
        onRestart: (error) => this.log('warn', 'inventory watch broke; watching again', { error: String(error) }),
      }),
      watchForever(this.kv.desired, kvKeys.desired(this.options.cluster), (e) => this.onDesired(e.operation === 'PUT' ? e.string() : undefined), {
        signal,
        onRestart: (error) => this.log('warn', 'desired-release watch broke; watching again', { error: String(error) }),
      }),
      this.every(this.options.resyncSeconds ?? 30, () => this.resync()),
    );
    if ((this.options.driftSeconds ?? 10) > 0) {
      this.tasks.push(this.every(this.options.driftSeconds ?? 10, () => this.checkDrift()));
      // Change notifications make a hand edit visible within a moment; the periodic read stays as the safety net.
      let pending: ReturnType<typeof setTimeout> | undefined;
      const unwatch = this.options.dataplane.watchChanges?.(() => {
        pending ??= setTimeout(() => {
          pending = undefined;
          void this.checkDrift().catch(() => undefined);
        }, 200);
      });
      if (unwatch)
        signal.addEventListener(
          'abort',
          () => {
            unwatch();
            if (pending) clearTimeout(pending);
          },
          { once: true },
        );
    }
    if (this.options.flows) {
      const { nc, cluster, node, dataplane } = this.options;
      this.flows = new NodeFlows({
        nc,
        cluster,
        node,
        dataplane,
        ...this.options.flows,
        log: this.log,
        every: (seconds, fn) => this.every(seconds, fn),
        enforced: () => this.enforced?.snapshot,
      });
      this.tasks.push(...this.flows.start());
    }
  }

  /** A flow the dataplane witnessed, counted into the current interval. */
  observe(observation: FlowObservation): void {
    this.flows?.observe(observation);
  }

  /** Flow records generated, and of those published (acked by JetStream), dropped for room, and still queued. */
  get flowStats(): { generated: number; published: number; queued: number; dropped: number } {
    return this.flows?.stats ?? { generated: 0, published: 0, queued: 0, dropped: 0 };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.status?.stop();
    await Promise.allSettled([...this.tasks, this.loop]);
    // The interval under way is not lost on a clean stop: published now, if NATS takes it within 5 s.
    await this.flows?.flushLast(5_000);
  }

  get nodeStatus(): NodeStatusReport | undefined {
    return this.status?.status;
  }

  /** The compiled state (for the simulated dataplane's traffic and for tests). */
  get currentPolicy(): NodePolicy | undefined {
    return this.policy;
  }

  private async bind(name: Parameters<typeof openBucket>[1]): Promise<KV> {
    let delay = 500;
    for (;;) {
      try {
        return await openBucket(this.options.nc, name);
      } catch (error) {
        if (this.abort.signal.aborted) throw error;
        this.log('warn', `bucket ${name} is not there yet (the platform creates it); waiting`, { error: String(error) });
        await sleep(delay, this.abort.signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /**
   * Replaces this node's inventory (a pod started or stopped) and publishes it; returns why it
   * cannot be taken instead (then nothing changes).
   */
  setInventory(resources: readonly Resource[]): string | undefined {
    const problem = inventoryProblem(this.options.node, resources as Resource[]);
    if (problem) return problem;
    if (this.kv) this.own.publish(this.kv.inventory, resources);
    else this.own.set(resources);
    return undefined;
  }

  private onInventory(key: string, text: string | undefined): void {
    const node = nodeFromKeyToken(key.slice(this.options.cluster.length + 1));
    let resources: Resource[] = [];
    if (text !== undefined) {
      const parsed = NodeInventory.safeParse(safeJson(text));
      const problem = !parsed.success
        ? 'it does not parse'
        : parsed.data.cluster !== this.options.cluster || nodeKeyToken(parsed.data.node) !== nodeKeyToken(node)
          ? `it names ${parsed.data.cluster}/${parsed.data.node}`
          : inventoryProblem(node, parsed.data.resources as unknown as Resource[]);
      if (problem) {
        this.log('warn', `ignored node ${node}'s inventory: ${problem}`);
      } else resources = parsed.data!.resources as unknown as Resource[];
    }
    for (const k of this.inventory.replace(node, resources)) this.pendingKeys.add(k);
    this.kick();
  }

  private onDesired(text: string | undefined): void {
    if (text === undefined) return;
    const parsed = DesiredRelease.safeParse(safeJson(text));
    if (!parsed.success || parsed.data.cluster !== this.options.cluster) {
      this.log('warn', 'ignored a desired release that does not parse or names another cluster');
      return;
    }
    if (this.desired && parsed.data.version < this.desired.version) return;
    this.desired = parsed.data;
    this.kick();
  }

  private async resync(): Promise<void> {
    const entry = await this.kv.desired.get(kvKeys.desired(this.options.cluster)).catch(() => null);
    if (entry?.operation === 'PUT') this.onDesired(entry.string());
    if (!this.policyApplied) this.kick();
  }

  private checking = false;
  /** A check was asked for while it could not run; it runs as soon as it can, or a hand edit could go unseen until the next periodic read. */
  private driftAsked = false;

  private async checkDrift(): Promise<void> {
    if (!this.policyApplied) return;
    if (this.loop || this.checking) {
      this.driftAsked = true;
      return;
    }
    this.driftAsked = false;
    this.checking = true;
    let change: string | undefined;
    try {
      change = await this.options.dataplane.drift().catch((error: unknown) => `could not read the ruleset back: ${String(error)}`);
    } finally {
      this.checking = false;
    }
    if (this.loop) {
      // What was read may predate an apply that is running now: read again once it is done.
      this.driftAsked = true;
      return;
    }
    if (!change) {
      if (this.driftAsked) this.checkDriftSoon();
      return;
    }
    this.lastDrift = { at: new Date().toISOString(), change };
    this.log('warn', 'the ruleset was changed out of band; restoring it', { change });
    await this.report('drifted', this.inForce, this.inForce, change, 0);
    this.policyApplied = false;
    this.kick();
  }

  private checkDriftSoon(): void {
    if (this.abort.signal.aborted) return;
    void this.checkDrift().catch(() => undefined);
  }

  private kick(): void {
    this.dirty = true;
    this.loop ??= this.converge().finally(() => {
      this.loop = undefined;
      if (this.dirty && !this.abort.signal.aborted) this.kick();
      else if (this.driftAsked) this.checkDriftSoon();
    });
  }

  private async converge(): Promise<void> {
    while (this.dirty && !this.abort.signal.aborted) {
      this.dirty = false;
      const desired = this.desired;
      if (!desired) continue;
      // Moving to a release set while tracing is a step of that change's trace; other rounds are not traced.
      const stop = await (desired.trace && this.inForce !== desired.release ? this.applyTraced(desired) : this.applyRound(desired));
      if (stop) return;
    }
  }

  private applyTraced(desired: DesiredRelease): Promise<boolean> {
    const attributes = { 'palisade.cluster': this.options.cluster, 'palisade.node': this.options.node, 'palisade.release': desired.release };
    return inSpan('agent apply release', { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(desired.trace), attributes }, async (span) => {
      const stop = await this.applyRound(desired);
      if (this.inForce !== desired.release) span.setStatus({ code: SpanStatusCode.ERROR, message: this.status.status?.error ?? 'not applied' });
      return stop;
    });
  }

  /** One round of converging to `desired`; true when it failed and a retry is scheduled (stop for now). */
  private async applyRound(desired: DesiredRelease): Promise<boolean> {
    const started = performance.now();
    try {
      const diffs: IrDiff[] = [];
      if (!this.policy || this.policy.release !== desired.release) {
        const content = await readReleaseContent(this.kv.releases, this.options.cluster, desired.release);
        const resources = content.resources.map((r) => r.resource as Resource);
        if (this.policy && this.policyApplied) {
          // What is in force is known exactly: move to the new release by its differences.
          diffs.push(...this.policy.releaseChanged(desired.release, resources));
        } else {
          this.policy = new NodePolicy(this.options.node, desired.release, resources, this.inventory);
          this.pendingKeys.clear();
          this.policyApplied = false;
        }
      }
      const keys = [...this.pendingKeys];
      this.pendingKeys.clear();
      diffs.push(...this.policy.inventoryChanged(keys));
      const ir = withFailsafes(this.policy.ir(), this.options.failsafe ?? {});
      const switched = this.inForce !== desired.release;
      if (!this.policyApplied) await this.options.dataplane.applyFull(ir);
      else if (diffs.some((d) => !isEmptyDiff(d))) await this.options.dataplane.applyChanges(ir, diffs);
      else if (!switched) return false;
      const wasInForce = this.inForce;
      this.policyApplied = true;
      this.enforced = this.policy;
      this.flows?.stateChanged();
      this.inForce = desired.release;
      if (wasInForce !== desired.release) this.log('info', 'applied release', { release: desired.release, ms: Math.round(performance.now() - started) });
      await this.report('applied', desired.release, desired.release, null, performance.now() - started);
    } catch (error) {
      const missing = error instanceof ReleaseContentError && error.code === 'MISSING';
      this.log(missing ? 'warn' : 'error', `could not apply release ${desired.release.slice(0, 12)}: ${(error as Error).message}`);
      // A policy the dataplane refused must be applied in full next time, from whatever is then desired.
      this.policyApplied = false;
      await this.report('failed', this.inForce, desired.release, (error as Error).message, performance.now() - started);
      this.retryLater(missing ? 2 : (this.options.retrySeconds ?? 30));
      return true;
    }
    return false;
  }

  private retryLater(seconds: number): void {
    void sleep(seconds * 1000, this.abort.signal).then(() => {
      if (!this.abort.signal.aborted) this.kick();
    });
  }

  private report(state: NodeStatusReport['state'], release: string | null, attempted: string | null, error: string | null, durationMs: number): Promise<void> {
    // An inventory change elsewhere re-applies without changing what this node says: no new ack
    // (a thousand agents would otherwise write a thousand statuses for every pod that starts).
    const previous = this.status.status;
    const endpoints = this.policy?.endpointCount() ?? 0;
    if (previous && state === 'applied' && previous.state === state && previous.release === release && previous.attempted === attempted && previous.error === null && previous.endpoints === endpoints)
      return Promise.resolve();
    return this.status.report({
      cluster: this.options.cluster,
      node: this.options.node,
      state,
      release,
      attempted,
      error: error === null ? null : error.slice(0, 4_000),
      durationMs: Math.round(durationMs * 10) / 10,
      endpoints: this.policy?.endpointCount() ?? 0,
      dataplane: this.options.dataplane.kind,
      agentVersion: this.options.agentVersion,
      lastDrift: this.lastDrift,
      at: new Date().toISOString(),
    });
  }

  private every(seconds: number, fn: () => Promise<void>): Promise<void> {
    return (async () => {
      while (!this.abort.signal.aborted) {
        await sleep(seconds * 1000, this.abort.signal);
        if (this.abort.signal.aborted) return;
        await fn().catch((error: unknown) => this.log('warn', 'a periodic check failed', { error: String(error) }));
      }
    })();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
