import type { z } from 'zod';
import type { WaveGates } from './plan.js';

type Gates = z.output<typeof WaveGates>;

/** A node of the cluster as its last status says. */
export interface NodeAck {
  node: string;
  state: 'applied' | 'failed' | 'drifted' | 'offline';
  /** The release the node runs now (its last good one). */
  release: string | null;
  /** The release it last tried. */
  attempted: string | null;
  error: string | null;
}

export interface AckVerdict {
  /** Nodes running the release. */
  acked: number;
  total: number;
  failed: { node: string; error: string }[];
  offline: string[];
  /** Nodes that have not acked yet (neither running it nor failed on it, and not offline). */
  waiting: string[];
  /** Every node acked, within what the gates tolerate: the cluster runs the release. */
  done: boolean;
  /** Beyond what the gates tolerate: the cluster failed (no waiting changes that). */
  failedReason: string | undefined;
}

/**
 * Where a cluster's nodes stand on a release. Failed applies and offline nodes count against the
 * gates' tolerances; a cluster with no nodes at all never counts as done (nothing acked).
 */
export function judgeAcks(nodes: readonly NodeAck[], release: string, gates: Pick<Gates, 'maxApplyErrors' | 'offlineAgentsTolerated'>): AckVerdict {
  const acked = nodes.filter((n) => n.state !== 'offline' && n.release === release && n.state !== 'failed').length;
  const failed = nodes.filter((n) => n.state === 'failed' && n.attempted === release).map((n) => ({ node: n.node, error: n.error ?? 'failed' }));
  const offline = nodes.filter((n) => n.state === 'offline').map((n) => n.node);
  const waiting = nodes.filter((n) => n.state !== 'offline' && n.release !== release && !(n.state === 'failed' && n.attempted === release)).map((n) => n.node);
  let failedReason: string | undefined;
  if (failed.length > gates.maxApplyErrors)
    failedReason = `${failed.length} node${failed.length === 1 ? '' : 's'} failed to apply the release (at most ${gates.maxApplyErrors} tolerated): ${failed
      .slice(0, 3)
      .map((f) => `${f.node}: ${f.error}`)
      .join('; ')}`;
  else if (offline.length > gates.offlineAgentsTolerated)
    failedReason = `${offline.length} node${offline.length === 1 ? ' is' : 's are'} offline (at most ${gates.offlineAgentsTolerated} tolerated): ${offline.slice(0, 5).join(', ')}`;
  const done = !failedReason && nodes.length > 0 && waiting.length === 0;
  return { acked, total: nodes.length, failed, offline, waiting, done, failedReason };
}

/** Flows of one window, summed per source, destination, protocol, port and verdict. */
export interface WindowFlow {
  source: string;
  destination: string;
  protocol: string;
  port: number | null;
  action: 'Allow' | 'Deny';
  /** The tier/policy/rule that decided. */
  policy: string;
  flows: number;
}

export interface NewlyDenied {
  source: string;
  destination: string;
  protocol: string;
  port: number | null;
  /** What denies it now, and what allowed it before. */
  deniedBy: string;
  allowedBy: string;
  flows: number;
}

export interface TrafficVerdict {
  ok: boolean;
  reasons: string[];
  newlyDenied: NewlyDenied[];
  /** Denied flows as a share of all flows, in percent, per window. */
  denyRate: { baseline: number; soak: number; increase: number };
}

const keyOf = (f: Pick<WindowFlow, 'source' | 'destination' | 'protocol' | 'port'>) => `${f.source}|${f.destination}|${f.protocol}|${f.port ?? ''}`;
const rate = (flows: readonly WindowFlow[]) => {
  const total = flows.reduce((n, f) => n + f.flows, 0);
  return total === 0 ? 0 : (100 * flows.filter((f) => f.action === 'Deny').reduce((n, f) => n + f.flows, 0)) / total;
};
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The traffic gate: the soak window against the baseline before the change. A flow (source,
 * destination, protocol, port) the baseline saw allowed and the soak sees denied is newly denied;
 * more of them than the gate tolerates, or a deny rate that rose by more than its points, fails
 * the cluster, with the offending flows as evidence (most flows first).
 */
export function judgeTraffic(baseline: readonly WindowFlow[], soak: readonly WindowFlow[], gates: Pick<Gates, 'newlyDeniedFlows' | 'denyRateIncreasePercent'>): TrafficVerdict {
  // A flow was allowed before only if nothing denied it then: both ends report a flow, and one
  // denied at the destination is still reported allowed by its source's egress (as Calico's flow
  // logs do). Counting those as "allowed before" failed every wave of a cluster with such traffic.
  const deniedBefore = new Set(baseline.filter((f) => f.action === 'Deny').map(keyOf));
  const allowedBefore = new Map<string, WindowFlow>();
  for (const f of baseline) if (f.action === 'Allow' && !deniedBefore.has(keyOf(f))) allowedBefore.set(keyOf(f), f);
  const newly = new Map<string, NewlyDenied>();
  for (const f of soak) {
    if (f.action !== 'Deny') continue;
    const before = allowedBefore.get(keyOf(f));
    if (!before) continue;
    const seen = newly.get(keyOf(f));
    if (seen) seen.flows += f.flows;
    else newly.set(keyOf(f), { source: f.source, destination: f.destination, protocol: f.protocol, port: f.port, deniedBy: f.policy, allowedBy: before.policy, flows: f.flows });
  }
  const newlyDenied = [...newly.values()].sort((a, b) => b.flows - a.flows || (keyOf(a) < keyOf(b) ? -1 : 1));
  const denyRate = { baseline: round(rate(baseline)), soak: round(rate(soak)), increase: round(rate(soak) - rate(baseline)) };
  const reasons: string[] = [];
  if (newlyDenied.length > gates.newlyDeniedFlows)
    reasons.push(
      `${newlyDenied.length} flow${newlyDenied.length === 1 ? ' that was allowed is' : 's that were allowed are'} denied now (at most ${gates.newlyDeniedFlows} tolerated): ${newlyDenied
        .slice(0, 3)
        .map((f) => `${f.source} -> ${f.destination} ${f.protocol}${f.port !== null ? `/${f.port}` : ''} by ${f.deniedBy}`)
        .join('; ')}`,
    );
  if (denyRate.increase > gates.denyRateIncreasePercent)
    reasons.push(`the deny rate rose from ${denyRate.baseline}% to ${denyRate.soak}% (${denyRate.increase} points; at most ${gates.denyRateIncreasePercent} tolerated)`);
  return { ok: reasons.length === 0, reasons, newlyDenied, denyRate };
}
