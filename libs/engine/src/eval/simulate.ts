import type { Snapshot } from './snapshot.js';
import { describe, evaluateFlow, type FlowResult } from './flow.js';
import type { ChainResult, TraceStep } from './chain.js';
import { FlowError } from './peers.js';

/** One probe of a batch, as `palisade simulate --probes` reads it. */
export interface Probe {
  from: string;
  to: string;
  protocol: string | number;
  port?: number;
  sourcePort?: number;
  icmp?: { type: number; code?: number };
  ipVersion?: 4 | 6;
}

export interface VerdictSummary {
  verdict: 'allow' | 'deny';
  endpoint: string;
  /** What decided, in words. */
  by: string;
}

export interface ProbeResult {
  from: string;
  to: string;
  protocol: string | number;
  port?: number;
  allowed: boolean;
  egress: VerdictSummary | null;
  ingress: VerdictSummary | null;
  /** The stage that denied, when one did. */
  deniedAt?: VerdictSummary;
  /** Every step considered, in order (with --explain / explain: true). */
  trace?: TraceStep[];
  pending?: { allowed: boolean; differs: boolean; deniedAt?: VerdictSummary };
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(`probe ${index}: ${field}: ${message}`);
  }
}

const summary = (chain: ChainResult | undefined): VerdictSummary | null =>
  chain && chain.verdict !== 'continue' ? { verdict: chain.verdict, endpoint: chain.endpoint, by: chain.decidedBy ? describe(chain.decidedBy) : '' } : null;

function toProbeResult(probe: Probe, result: FlowResult, explain: boolean): ProbeResult {
  const deniedAt = summary(result.deniedAt);
  const pendingDenied = summary(result.pending?.deniedAt);
  return {
    from: probe.from,
    to: probe.to,
    protocol: probe.protocol,
    ...(probe.port !== undefined ? { port: probe.port } : {}),
    allowed: result.allowed,
    egress: summary(result.egress),
    ingress: summary(result.ingress),
    ...(deniedAt ? { deniedAt } : {}),
    ...(explain ? { trace: result.stages.flatMap((s) => s.trace ?? []) } : {}),
    ...(result.pending ? { pending: { allowed: result.pending.allowed, differs: result.pending.differs, ...(pendingDenied ? { deniedAt: pendingDenied } : {}) } } : {}),
  };
}

/** Checks a parsed probes file: a list of objects with the fields `Probe` names, each right-typed. */
export function parseProbes(value: unknown): Probe[] {
  if (!Array.isArray(value)) throw new ProbeError(0, '(file)', 'must be a JSON list of probes: [{ "from", "to", "protocol", "port" }]');
  return value.map((raw, index) => parseProbe(raw, index));
}

const PROBE_FIELDS = ['from', 'to', 'protocol', 'port', 'sourcePort', 'icmp', 'ipVersion'];

/** Checks one probe (the `index`-th of its file, for errors), so a stream of probes is checked as it is read. */
export function parseProbe(raw: unknown, index: number): Probe {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ProbeError(index, '(probe)', 'must be an object');
  const p = raw as Record<string, unknown>;
  for (const key of Object.keys(p)) if (!PROBE_FIELDS.includes(key)) throw new ProbeError(index, key, `is not a probe field; use ${PROBE_FIELDS.join(', ')}`);
  for (const key of ['from', 'to'] as const)
    if (typeof p[key] !== 'string' || p[key] === '') throw new ProbeError(index, key, 'must be a non-empty string (namespace/pod, hep:<node>/<name>, host:<node> or an IP)');
  if (typeof p['protocol'] !== 'string' && typeof p['protocol'] !== 'number') throw new ProbeError(index, 'protocol', 'must be a protocol name or number');
  for (const key of ['port', 'sourcePort'] as const) {
    if (p[key] !== undefined && (typeof p[key] !== 'number' || !Number.isInteger(p[key]) || (p[key] as number) < 1 || (p[key] as number) > 65535))
      throw new ProbeError(index, key, 'must be an integer from 1 to 65535');
  }
  if (p['ipVersion'] !== undefined && p['ipVersion'] !== 4 && p['ipVersion'] !== 6) throw new ProbeError(index, 'ipVersion', 'must be 4 or 6');
  const icmp = p['icmp'] as Record<string, unknown> | undefined;
  if (icmp !== undefined) {
    if (icmp === null || typeof icmp !== 'object' || typeof icmp['type'] !== 'number' || (icmp['code'] !== undefined && typeof icmp['code'] !== 'number'))
      throw new ProbeError(index, 'icmp', 'must be { "type": number, "code"?: number }');
  }
  return p as unknown as Probe;
}

/** Decides one probe (the `index`-th, for errors): a ProbeError names the probe and the field. */
export function simulateProbe(snapshot: Snapshot, probe: Probe, index: number, options: { explain?: boolean } = {}): ProbeResult {
  const explain = options.explain ?? false;
  try {
    return toProbeResult(probe, evaluateFlow(snapshot, { ...probe }, { explain }), explain);
  } catch (error) {
    if (error instanceof FlowError) throw new ProbeError(index, error.field, error.message);
    throw error;
  }
}

/**
 * Runs probes against a snapshot. A probe that names an unknown endpoint or is malformed fails
 * with a ProbeError naming the probe and the field; nothing is guessed. For more probes than fit
 * in memory at once, call `simulateProbe` for each as they are read.
 */
export function simulate(snapshot: Snapshot, probes: Probe[], options: { explain?: boolean } = {}): ProbeResult[] {
  return probes.map((probe, index) => simulateProbe(snapshot, probe, index, options));
}
