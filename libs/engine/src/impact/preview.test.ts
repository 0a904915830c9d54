import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../parse/documents.js';
import { ClusterState } from '../calc/cluster-state.js';
import { simulate, type Probe } from '../eval/simulate.js';
import { namespace, pod } from '../eval/test-support/snapshots.js';
import { previewImpact } from './preview.js';

const resources = (...docs: string[]) => {
  const parsed = parseDocuments(docs.join('\n---\n'));
  expect(parsed.errors).toEqual([]);
  return parsed.resources;
};

const policy = (name: string, ns: string, selector: string, ingress = '[{action: Deny}]') =>
  `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: ${JSON.stringify(selector)}\n  ingress: ${ingress}\n`;

const base = () =>
  ClusterState.from(
    resources(
      namespace('prod', { env: 'prod' }),
      namespace('dev', { env: 'dev' }),
      pod('prod', 'db', '10.0.0.1', { app: 'db' }),
      pod('prod', 'web', '10.0.0.2', { app: 'web' }),
      pod('dev', 'db', '10.0.1.1', { app: 'db' }),
      policy('deny-web', 'prod', "app == 'web'"),
    ),
  );

const flows: Probe[] = [
  { from: 'prod/web', to: 'prod/db', protocol: 'TCP', port: 5432 },
  { from: 'prod/db', to: 'prod/web', protocol: 'TCP', port: 80 },
  { from: 'dev/db', to: 'prod/db', protocol: 'TCP', port: 5432 },
];

/** Everything observable about a state: its resources and the verdicts of the flows. */
// Sorted: a restored resource may sit elsewhere in the maps' insertion order, which nothing observes.
const fingerprint = (s: ClusterState, probes = flows) =>
  JSON.stringify({
    r: s
      .resources()
      .map((r) => JSON.stringify(r))
      .sort(),
    v: simulate(s, probes, { explain: true }),
    e: [...s.endpoints.keys()].sort(),
    p: s.policies.map((p) => p.id),
  });

describe('previewImpact', () => {
  it('lists the endpoints a new policy would select, and the flows whose verdict it would change', () => {
    const state = base();
    const before = fingerprint(state);
    const [add] = resources(policy('deny-db', 'prod', "app == 'db'"));
    const report = previewImpact(state, [{ upsert: add! }], flows);
    expect(report.selection).toEqual([
      { policy: 'NetworkPolicy/prod/deny-db', tier: 'default', change: 'added', staged: false, selected: ['prod/db'], unselected: [], selectedCount: 1, unselectedCount: 0 },
    ]);
    // A namespaced policy never reaches dev/db, whatever its selector says.
    expect(report.flows.changed.map((c) => [c.index, c.before.allowed, c.after.allowed])).toEqual([
      [0, true, false],
      [2, true, false],
    ]);
    expect(report.flows.changed[0]!.after.by).toContain('deny-db');
    expect(fingerprint(state)).toBe(before);
  });

  it('reports a selector edit as endpoints newly selected and unselected', () => {
    const state = base();
    const [edit] = resources(policy('deny-web', 'prod', "app == 'db'"));
    const report = previewImpact(state, [{ upsert: edit! }], flows);
    expect(report.selection).toEqual([expect.objectContaining({ policy: 'NetworkPolicy/prod/deny-web', change: 'modified', selected: ['prod/db'], unselected: ['prod/web'] })]);
    expect(report.flows.changed.map((c) => c.index).sort()).toEqual([0, 1, 2]);
  });

  it('sees a label change on a pod move the reach of policies that did not change', () => {
    const state = base();
    const before = fingerprint(state);
    const [relabel] = resources(pod('prod', 'db', '10.0.0.1', { app: 'web' }));
    const report = previewImpact(state, [{ upsert: relabel! }], flows);
    expect(report.selection).toEqual([expect.objectContaining({ policy: 'NetworkPolicy/prod/deny-web', change: 'unchanged', selected: ['prod/db'], unselected: [] })]);
    expect(fingerprint(state)).toBe(before);
  });

  it('reports a deletion as every endpoint unselected, and flows to a removed endpoint as errors', () => {
    const state = base();
    const before = fingerprint(state);
    const report = previewImpact(state, [{ delete: { type: 'NetworkPolicy', namespace: 'prod', name: 'deny-web' } }, { delete: { type: 'Pod', namespace: 'dev', name: 'db' } }], flows);
    expect(report.selection).toEqual([expect.objectContaining({ policy: 'NetworkPolicy/prod/deny-web', change: 'removed', unselected: ['prod/web'] })]);
    expect(report.flows.changed.map((c) => c.index)).toEqual([1]);
    expect(report.flows.errors).toEqual([{ index: 2, field: 'from', message: expect.stringMatching(/^after the change: .*dev\/db/) }]);
    expect(fingerprint(state)).toBe(before);
  });

  it('restores the state even when the inspection throws, and keeps IP clash precedence', () => {
    const state = ClusterState.from(resources(namespace('prod'), pod('prod', 'a', '10.0.0.9', { app: 'a' }), pod('prod', 'b', '10.0.0.9', { app: 'b' })));
    const probes: Probe[] = [{ from: '10.0.0.9', to: 'prod/b', protocol: 'TCP', port: 80 }];
    const before = fingerprint(state, probes);
    const errors = JSON.stringify(state.errors);
    const [a2] = resources(pod('prod', 'a', '10.0.0.9', { app: 'a2' }));
    expect(() =>
      state.whatIf([{ upsert: a2! }], () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(fingerprint(state, probes)).toBe(before);
    expect(JSON.stringify(state.errors)).toBe(errors);
  });
});
