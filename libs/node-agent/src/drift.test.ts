// A change notification that arrives while the agent is applying must not be lost: the check it
// asks for runs once the apply is done, not at the next periodic read a minute later.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import type { IrDiff, NodeIR } from '@palisade/engine';
import { NodeAgent } from './agent.js';
import { SimulatedDataplane } from './dataplane/simulated.js';
import { namespace, natsWithBuckets, publishDesired, release, resources, until, workload } from './test-support/fixtures.js';

const policy = (port: number) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: db-ingress}
spec:
  selector: role == 'db'
  ingress:
  - {action: Allow, protocol: TCP, destination: {ports: [${port}]}}
`;

/** A dataplane whose applies can be held open and whose ruleset can be "edited by hand". */
class EditableDataplane extends SimulatedDataplane {
  handEdit: string | undefined;
  holding = false;
  private release: (() => void) | undefined;
  private notify: (() => void) | undefined;
  private gate: Promise<void> | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  letGo(): void {
    this.release?.();
    this.gate = undefined;
  }
  edit(what: string): void {
    this.handEdit = what;
    this.notify?.();
  }
  override async applyFull(ir: NodeIR): Promise<{ mode: 'full' }> {
    await this.wait();
    this.handEdit = undefined;
    return super.applyFull(ir);
  }
  override async applyChanges(ir: NodeIR, diffs: readonly IrDiff[]): Promise<{ mode: 'incremental' }> {
    await this.wait();
    return super.applyChanges(ir, diffs);
  }
  override drift(): Promise<undefined> {
    return Promise.resolve(this.handEdit as undefined);
  }
  watchChanges(onChange: () => void): () => void {
    this.notify = onChange;
    return () => (this.notify = undefined);
  }
  private async wait(): Promise<void> {
    this.holding = true;
    await this.gate;
    this.holding = false;
  }
}

let nats: Awaited<ReturnType<typeof natsWithBuckets>>;
let nc: NatsConnection;
let agent: NodeAgent | undefined;

beforeAll(async () => {
  nats = await natsWithBuckets('node-agent-drift');
  nc = await nats.connectAs('agent-n1');
});

afterAll(async () => {
  await agent?.stop();
  await nc?.close().catch(() => undefined);
  await nats?.stop();
});

it('checks for drift after an apply when a change notification arrived during it', async () => {
  const dataplane = new EditableDataplane();
  const inventory = resources(namespace('shop') + '---\n' + workload('n1', 'db', '10.1.0.5', { role: 'db' }));
  // The periodic read is an hour away: only the notification can find the edit in time.
  agent = new NodeAgent({ nc, cluster: 'alpha', node: 'n1', dataplane, agentVersion: 'test', inventory, heartbeatSeconds: 1, driftSeconds: 3600, retrySeconds: 1 });
  await agent.start();
  const first = release(policy(5432));
  await publishDesired(nats.nc, 'alpha', first, 1);
  await until('release one applied', () => agent!.nodeStatus?.state === 'applied' && agent!.nodeStatus.release === first.hash);

  dataplane.hold();
  const second = release(policy(6432));
  await publishDesired(nats.nc, 'alpha', second, 2);
  await until('the agent to be applying release two', () => dataplane.holding);
  dataplane.edit('rule 3 deleted from chain pal-in');
  // The debounced check fires (and finds the agent busy) before the apply finishes.
  await new Promise((r) => setTimeout(r, 500));
  dataplane.letGo();

  const drifted = await until('the hand edit to be reported', () => agent!.nodeStatus?.lastDrift ?? undefined, 5_000);
  expect(drifted.change).toBe('rule 3 deleted from chain pal-in');
  await until('the ruleset to be restored', () => dataplane.handEdit === undefined && agent!.nodeStatus?.state === 'applied' && agent!.nodeStatus.release === second.hash);
});
