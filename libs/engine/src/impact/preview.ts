import type { Endpoint, PolicyInfo } from '../snapshot/types.js';
import type { ClusterState } from '../calc/cluster-state.js';
import type { Change } from '../calc/inputs.js';
import { simulate, ProbeError, type Probe, type ProbeResult } from '../eval/simulate.js';

/** How one policy's reach changes: the endpoints it newly applies to, and those it no longer does. */
export interface SelectionChange {
  policy: string;
  tier: string;
  /** The policy is new, gone, edited, or the same (its reach moved because endpoints changed). */
  change: 'added' | 'removed' | 'modified' | 'unchanged';
  staged: boolean;
  selected: string[];
  unselected: string[];
  /** Totals, when the lists were cut at `limit`. */
  selectedCount: number;
  unselectedCount: number;
}

export interface FlowVerdictChange {
  index: number;
  flow: Probe;
  before: { allowed: boolean; by: string };
  after: { allowed: boolean; by: string };
}

export interface ImpactReport {
  selection: SelectionChange[];
  flows: {
    evaluated: number;
    changed: FlowVerdictChange[];
    /** Flows that could not be evaluated on one side (an endpoint the change adds or removes). */
    errors: { index: number; field: string; message: string }[];
  };
}

const decidedBy = (r: ProbeResult): string => (r.deniedAt ?? r.ingress ?? r.egress)?.by ?? (r.allowed ? 'no policy applies' : 'denied');

function verdicts(state: ClusterState, flows: Probe[]): (ProbeResult | ProbeError)[] {
  // One at a time: simulate() stops at the first bad probe, and a flow may be valid on one side only.
  return flows.map((flow, index) => {
    try {
      return simulate(state, [flow])[0]!;
    } catch (error) {
      if (error instanceof ProbeError) return new ProbeError(index, error.field, error.message);
      throw error;
    }
  });
}

/**
 * What a set of changes would do, computed on the live state and undone before returning: for
 * every policy whose reach moves, the endpoints it would newly select or stop selecting (a policy
 * edit, a new policy, or a label change on endpoints or namespaces); and for the flows given
 * (recorded flow logs, or probes), which would get a different verdict.
 */
export function previewImpact(state: ClusterState, changes: Change[], flows: Probe[] = [], options: { limit?: number } = {}): ImpactReport {
  const limit = options.limit ?? 1_000;
  const beforeFlows = verdicts(state, flows);
  const beforeEndpoints = new Map(state.endpoints);
  const beforePolicies = new Map(state.policies.map((p) => [p.id, p]));

  return state.whatIf(changes, (affected) => {
    const afterFlows = verdicts(state, flows);
    const afterPolicies = new Map(state.policies.map((p) => [p.id, p]));
    const byPolicy = new Map<string, { selected: string[]; unselected: string[] }>();
    const note = (policy: string, endpoint: string, sign: 1 | -1) => {
      let entry = byPolicy.get(policy);
      if (!entry) byPolicy.set(policy, (entry = { selected: [], unselected: [] }));
      (sign > 0 ? entry.selected : entry.unselected).push(endpoint);
    };
    const matches = (p: PolicyInfo | undefined, e: Endpoint | undefined) => !!p && !!e && p.selector.matches(e.labels);

    // Policies that changed: their reach over every endpoint, before and after.
    const changedPolicies = new Set([...affected.policies].filter((id) => beforePolicies.get(id) !== afterPolicies.get(id)));
    const endpointIds = new Set([...beforeEndpoints.keys(), ...state.endpoints.keys()]);
    for (const id of changedPolicies) {
      const [pb, pa] = [beforePolicies.get(id), afterPolicies.get(id)];
      for (const e of endpointIds) {
        const [was, is] = [matches(pb, beforeEndpoints.get(e)), matches(pa, state.endpoints.get(e))];
        if (was !== is) note(id, e, is ? 1 : -1);
      }
    }
    // Endpoints that changed (labels, namespace labels, added, removed): every other policy's reach over them.
    const changedEndpoints = [...affected.endpoints, ...affected.members.flatMap((m) => (m.member.kind === 'endpoint' ? [m.member.endpoint.id] : []))];
    for (const e of new Set(changedEndpoints)) {
      const [eb, ea] = [beforeEndpoints.get(e), state.endpoints.get(e)];
      if (eb === ea) continue;
      for (const [id, p] of afterPolicies) {
        if (changedPolicies.has(id)) continue;
        const [was, is] = [matches(p, eb), matches(p, ea)];
        if (was !== is) note(id, e, is ? 1 : -1);
      }
    }

    const selection: SelectionChange[] = [];
    const ids = new Set([...changedPolicies, ...byPolicy.keys()]);
    for (const id of [...ids].sort()) {
      const [pb, pa] = [beforePolicies.get(id), afterPolicies.get(id)];
      const p = (pa ?? pb)!;
      const entry = byPolicy.get(id) ?? { selected: [], unselected: [] };
      entry.selected.sort();
      entry.unselected.sort();
      selection.push({
        policy: id,
        tier: p.tier,
        change: !pb ? 'added' : !pa ? 'removed' : changedPolicies.has(id) ? 'modified' : 'unchanged',
        staged: !!p.staged,
        selected: entry.selected.slice(0, limit),
        unselected: entry.unselected.slice(0, limit),
        selectedCount: entry.selected.length,
        unselectedCount: entry.unselected.length,
      });
    }

    const changed: FlowVerdictChange[] = [];
    const errors: ImpactReport['flows']['errors'] = [];
    flows.forEach((flow, index) => {
      const [b, a] = [beforeFlows[index]!, afterFlows[index]!];
      if (b instanceof ProbeError || a instanceof ProbeError) {
        const e = (b instanceof ProbeError ? b : a) as ProbeError;
        errors.push({ index, field: e.field, message: `${b instanceof ProbeError ? 'before' : 'after'} the change: ${e.message}` });
        return;
      }
      if (b.allowed !== a.allowed) changed.push({ index, flow, before: { allowed: b.allowed, by: decidedBy(b) }, after: { allowed: a.allowed, by: decidedBy(a) } });
    });
    return { selection, flows: { evaluated: flows.length, changed, errors } };
  });
}
