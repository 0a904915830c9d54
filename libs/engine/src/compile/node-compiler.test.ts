import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClusterState } from '../calc/cluster-state.js';
import { keyOf, type Change } from '../calc/inputs.js';
import { evaluateFlow, type FlowSpec } from '../eval/flow.js';
import { compileNode, NodeCompiler } from './node-compiler.js';
import { applyIrDiff, type IrDiff } from './ir-diff.js';
import type { NodeIR } from './ir.js';
import { decoded, NODES, resource } from '../test-support/random-resources.js';

// Random change sequences applied one at a time (ClusterState.apply + NodeCompiler.update) must
// leave exactly what a full build of the final resources gives: after every step, the same content
// in every calculator of the graph; at the end, the same IR for every node, the same verdicts and
// traces, the same snapshot errors. Each diff must be minimal (only objects whose content changed)
// and complete (applied to the previous IR it gives the new one).

const change: fc.Arbitrary<{ upsert: unknown } | { deleteIndex: number }> = fc.oneof(
  { weight: 3, arbitrary: resource.map((r) => ({ upsert: r })) },
  { weight: 1, arbitrary: fc.nat(40).map((i) => ({ deleteIndex: i })) },
);

const json = (value: unknown) => JSON.stringify(value);

/** JSON with object keys sorted and selectors as their canonical text: equal content, equal text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof (v as { matches?: unknown }).matches === 'function') return `selector ${String(v)}`;
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });

/** Every calculator holds what it would after a full build of the same resources. */
function expectCalculatorsAsBuilt(state: ClusterState): void {
  const fresh = ClusterState.from(state.resources()).dumpCalculators();
  const dump = state.dumpCalculators();
  expect(Object.keys(dump)).toEqual(Object.keys(fresh));
  for (const name of Object.keys(fresh)) expect(canonical(dump[name]), `calculator ${name}`).toBe(canonical(fresh[name]));
}

function flowsOf(state: ClusterState): FlowSpec[] {
  const peers = [...[...state.endpoints.values()].filter((e) => e.kind === 'workload').map((e) => e.id), '192.0.2.7', 'host:n1', 'fd00:99::2'];
  const flows: FlowSpec[] = [];
  for (const from of peers)
    for (const to of peers)
      if (from !== to)
        for (const [protocol, port] of [
          ['TCP', 80],
          ['TCP', 8080],
          ['UDP', 53],
        ] as const)
          flows.push({ from, to, protocol, port });
  return flows;
}

function outcome(state: ClusterState, flow: FlowSpec, explain: boolean): string {
  try {
    return json(evaluateFlow(state, flow, { explain }));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function checkDiff(previous: NodeIR, diff: IrDiff, next: NodeIR): void {
  // Complete: the previous IR plus the diff is the new IR.
  expect(json(applyIrDiff(previous, diff))).toBe(json(next));
  // Minimal: nothing in it that did not change.
  const prevEndpoints = new Map(previous.endpoints.map((e) => [e.id, json(e)]));
  for (const e of diff.endpoints.upsert) expect(prevEndpoints.get(e.id)).not.toBe(json(e));
  for (const [part, record] of [
    [diff.chains, previous.chains],
    [diff.ipSets, previous.ipSets],
    [diff.tupleSets, previous.tupleSets],
  ] as const) {
    for (const item of part.upsert) expect(json((record as Record<string, unknown>)[item.id])).not.toBe(json(item));
    for (const id of part.remove) expect((record as Record<string, unknown>)[id]).toBeDefined();
  }
  // Member changes only for sets that stay, and only real ones.
  for (const change of diff.ipSets.members) {
    const members = previous.ipSets[change.id]!.members;
    expect(change.add.length + change.remove.length).toBeGreaterThan(0);
    for (const m of change.add) expect(members).not.toContain(m);
    for (const m of change.remove) expect(members).toContain(m);
  }
  for (const change of diff.tupleSets.members) {
    const members = previous.tupleSets[change.id]!.members.map(json);
    expect(change.add.length + change.remove.length).toBeGreaterThan(0);
    for (const m of change.add) expect(members).not.toContain(json(m));
    for (const m of change.remove) expect(members).toContain(json(m));
  }
  for (const id of diff.endpoints.remove) expect(prevEndpoints.has(id)).toBe(true);
}

describe('incremental compilation', () => {
  it('gives the same IR, verdicts and errors as a full build, with minimal diffs', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 12 }), fc.array(change, { minLength: 1, maxLength: 25 }), (initial, changes) => {
        const state = ClusterState.from(initial.map(decoded));
        const compilers = NODES.map((node) => new NodeCompiler(state, node));
        // Evaluate once first so the evaluation caches exist and must be invalidated correctly.
        for (const flow of flowsOf(state).slice(0, 30)) outcome(state, flow, false);
        for (const step of changes) {
          let c: Change;
          if ('upsert' in step) c = { upsert: decoded(step.upsert) };
          else {
            const existing = state.resources();
            if (!existing.length) continue;
            const victim = existing[step.deleteIndex % existing.length]!;
            const [type, ...rest] = keyOf(victim).split('/');
            c = { delete: rest.length === 2 ? { type: type!, namespace: rest[0]!, name: rest[1]! } : { type: type!, name: rest[0]! } };
          }
          const before = compilers.map((compiler) => compiler.ir());
          const affected = state.apply(c);
          compilers.forEach((compiler, i) => checkDiff(before[i]!, compiler.update(affected), compiler.ir()));
          expectCalculatorsAsBuilt(state);
        }
        const fresh = ClusterState.from(state.resources());
        for (const compiler of compilers) expect(json(compiler.ir())).toBe(json(compileNode(fresh, compiler.node)));
        expect(json(state.errors)).toBe(json(fresh.errors));
        expect(json([...state.endpointByIp].sort())).toBe(json([...fresh.endpointByIp].sort()));
        for (const flow of flowsOf(fresh)) {
          const explained = outcome(state, flow, true);
          expect(explained).toBe(outcome(fresh, flow, true));
          // The candidate-bucketed fast path decides as the explaining walk does.
          const fast = outcome(state, flow, false);
          const strip = (text: string) => (text.startsWith('error') ? text : json(stripTraces(JSON.parse(text))));
          expect(strip(fast)).toBe(strip(explained));
        }
      }),
      { numRuns: 400 },
    );
  }, 600_000);

  it('reports a label change as the sets and endpoint chains it reaches, and nothing else', () => {
    const res = (raw: unknown) => decoded(raw);
    const state = ClusterState.from([
      res({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }),
      res({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
        spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
        status: { podIP: '10.99.0.1' },
      }),
      res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] }, status: { podIP: '10.99.0.2' } }),
      res({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'other', namespace: 'shop', labels: { app: 'other' } },
        spec: { nodeName: 'n2', containers: [{ name: 'c' }] },
        status: { podIP: '10.99.0.3' },
      }),
      res({
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'db', namespace: 'shop' },
        spec: { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }] },
      }),
    ]);
    const compiler = new NodeCompiler(state, 'n1');
    const before = compiler.ir();
    // The pod on n2 becomes a web client: the db policy's source set gains its address; no chain or endpoint on n1 changes.
    const diff = compiler.update(
      state.apply({
        upsert: res({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'other', namespace: 'shop', labels: { app: 'web' } },
          spec: { nodeName: 'n2', containers: [{ name: 'c' }] },
          status: { podIP: '10.99.0.3' },
        }),
      }),
    );
    expect(diff.endpoints).toEqual({ upsert: [], remove: [] });
    expect(diff.chains).toEqual({ upsert: [], remove: [] });
    expect(diff.ipSets.remove).toEqual([]);
    expect(diff.ipSets.upsert).toEqual([]);
    const webSet = Object.values(before.ipSets).find((s) => s.family === 4 && s.source === '(app == "web" && projectcalico.org/namespace == "shop")')!;
    expect(diff.ipSets.members).toEqual([{ id: webSet.id, add: ['10.99.0.3/32'], remove: [] }]);
    expect(json(applyIrDiff(before, diff))).toBe(json(compiler.ir()));

    // The db pod stops being a db: its chains lose the policy, and the policy's chains (and the set only they used) go.
    const diff2 = compiler.update(
      state.apply({
        upsert: res({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'db', namespace: 'shop', labels: { app: 'cache' } },
          spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
          status: { podIP: '10.99.0.2' },
        }),
      }),
    );
    expect(diff2.endpoints.upsert.map((e) => e.id)).toEqual(['shop/db']);
    expect(diff2.endpoints.upsert[0]!.ingress.tiers).toEqual([]);
    expect(diff2.chains.remove).toHaveLength(1);
    expect(diff2.ipSets.remove).toHaveLength(2);
    expect(Object.keys(compiler.ir().ipSets)).toEqual([]);
  });
});

function stripTraces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTraces);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'trace')
        .map(([k, v]) => [k, stripTraces(v)]),
    );
  return value;
}
