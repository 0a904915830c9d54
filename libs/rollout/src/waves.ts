import { labelSet, parseSelector } from '@palisade/engine';
import type { RolloutPlan } from './plan.js';

export interface PlanCluster {
  name: string;
  labels: Record<string, string>;
}

export interface WaveAssignment {
  name: string;
  /** The clusters this wave takes, by name. */
  clusters: string[];
}

export interface PlanAssignment {
  waves: WaveAssignment[];
  /** Target clusters no wave takes: the rollout would leave them on their current release. */
  left: string[];
  /** Clusters named by the plan that do not exist. */
  unknown: string[];
}

const matcher = (selector: string | undefined): ((labels: Record<string, string>) => boolean) => {
  if (selector === undefined) return () => true;
  const parsed = parseSelector(selector);
  return (labels) => parsed.matches(labelSet(labels));
};

/**
 * Which clusters each wave takes, in order: the plan's targets (all clusters by default); each
 * wave the targets it selects or names that no earlier wave took (with `percent`, that share,
 * rounded up, first by name); a wave with neither takes the rest. Deterministic: the same plan
 * and clusters give the same waves, so a dry run shows what the rollout will do.
 */
export function assignWaves(plan: RolloutPlan, clusters: readonly PlanCluster[]): PlanAssignment {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const unknown = new Set<string>();
  const named = (list: string[] | undefined) => {
    for (const n of list ?? []) if (!byName.has(n)) unknown.add(n);
    return list ? new Set(list) : undefined;
  };
  const targetNames = named(plan.spec.targets?.clusters);
  const targetMatch = matcher(plan.spec.targets?.clusterSelector);
  const targets = [...clusters].filter((c) => (!targetNames || targetNames.has(c.name)) && targetMatch(c.labels)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const taken = new Set<string>();
  const waves = plan.spec.waves.map((wave) => {
    const names = named(wave.clusters);
    const match = matcher(wave.clusterSelector);
    const eligible = targets.filter((c) => !taken.has(c.name) && (!names || names.has(c.name)) && match(c.labels));
    const count = wave.percent === undefined ? eligible.length : Math.ceil((eligible.length * wave.percent) / 100);
    const chosen = eligible.slice(0, count).map((c) => c.name);
    for (const n of chosen) taken.add(n);
    return { name: wave.name, clusters: chosen };
  });
  return { waves, left: targets.filter((c) => !taken.has(c.name)).map((c) => c.name), unknown: [...unknown].sort() };
}
