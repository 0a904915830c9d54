import { describeDecision, evaluateFlow, parseProbes, ProbeError, FlowError, simulate, type Probe, type ProbeResult, type TraceStep, type ChainResult } from '@palisade/engine';
import { readFileSync } from 'node:fs';
import { InputError, RemoteError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info } from '../output.js';
import { loadSnapshot } from './snapshot-input.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';

export interface SimulateOptions {
  files: string[];
  recursive: boolean;
  from?: string;
  to?: string;
  protocol?: string;
  port?: number;
  sourcePort?: number;
  icmpType?: number;
  icmpCode?: number;
  ipVersion?: 4 | 6;
  probes?: string;
  explain: boolean;
  output: 'text' | 'json';
}

function traceLine(step: TraceStep): string {
  switch (step.step) {
    case 'stage':
      return `${step.endpoint} ${step.direction} (${step.stage})`;
    case 'tier':
      return step.applies ? `  tier ${step.tier}: ${step.policies.join(', ')}` : `  tier ${step.tier}: skipped, ${step.reason}`;
    case 'policy':
      return `    ${step.policy}: does not apply, ${step.reason}`;
    case 'rule':
      return `    ${step.policy} rule ${step.rule} (${step.action})${step.staged ? ' [staged]' : ''}: ${step.matched ? 'MATCHED' : `no, ${step.reason}`}`;
    case 'end-of-tier':
      return `  end of tier ${step.tier}: ${step.action}, ${step.reason}`;
    case 'profile':
      return `  profile ${step.profile}${step.rule !== undefined ? ` rule ${step.rule} (${step.action})` : ''}: ${step.matched ? 'MATCHED' : `no, ${step.reason}`}`;
    case 'verdict':
      return `  => ${step.verdict.toUpperCase()}: ${step.reason}`;
  }
}

const chainLine = (label: string, c: ChainResult | undefined) => (c ? `  ${label.padEnd(8)} ${c.endpoint}: ${c.verdict} by ${c.decidedBy ? describeDecision(c.decidedBy) : '(no decision)'}` : `  ${label.padEnd(8)} (no policy at this end)`);

function printResult(r: ProbeResult, stages: ChainResult[] | undefined): void {
  info(`${r.allowed ? 'ALLOWED' : 'DENIED '}  ${r.from} -> ${r.to}  ${typeof r.protocol === 'number' ? r.protocol : r.protocol.toUpperCase()}${r.port ? `/${r.port}` : ''}`);
  if (stages) for (const s of stages) info(chainLine(s.stage === 'normal' ? s.direction : `${s.direction}/${s.stage}`, s));
  if (r.pending) info(`  pending (staged policies in force): ${r.pending.allowed ? 'ALLOWED' : 'DENIED'}${r.pending.differs ? ' — differs from the enforced verdict' : ''}`);
  if (r.trace) for (const step of r.trace) info(`    ${traceLine(step)}`);
}

/** The engine's objections to a probe or an endpoint are about what was typed: usage errors. */
function asInput<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof FlowError) throw new InputError(`--${error.field}: ${error.message}`);
    if (error instanceof ProbeError) throw new InputError(error.message);
    throw error;
  }
}

function readProbes(file: string): Probe[] {
  let raw: unknown;
  try {
    raw = JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not readable JSON: ${(error as Error).message}`);
  }
  return asInput(() => parseProbes(raw));
}

function printBatch(results: ProbeResult[], output: 'text' | 'json'): void {
  if (output === 'json') info(JSON.stringify(results, null, 2));
  else {
    for (const r of results) printResult(r, undefined);
    info(`${results.filter((r) => r.allowed).length} allowed, ${results.filter((r) => !r.allowed).length} denied`);
  }
}

function probeFromFlags(options: SimulateOptions): Probe {
  if (!options.from || !options.to || !options.protocol) throw new InputError('give --from, --to and --protocol (and --port for TCP, UDP and SCTP), or --probes FILE');
  return {
      from: options.from,
      to: options.to,
      protocol: options.protocol,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.sourcePort !== undefined ? { sourcePort: options.sourcePort } : {}),
      ...(options.icmpType !== undefined ? { icmp: { type: options.icmpType, ...(options.icmpCode !== undefined ? { code: options.icmpCode } : {}) } } : {}),
      ...(options.ipVersion ? { ipVersion: options.ipVersion } : {}),
  };
}

/** Decides one flow, or a batch of probes, against a snapshot. Exits 0 when evaluated (whatever the verdicts). */
export function simulateCommand(options: SimulateOptions): number {
  if (options.files.length === 0) throw new InputError('give the snapshot with -f FILE|DIR, or --remote to simulate against the gateway\'s current state');
  const snapshot = loadSnapshot(options.files, options.recursive);
  const { probes, explain } = options;
  if (probes) {
    printBatch(asInput(() => simulate(snapshot, readProbes(probes), { explain })), options.output);
    return EXIT.OK;
  }
  const spec = probeFromFlags(options);
  const { stages, summary } = asInput(() => ({ stages: evaluateFlow(snapshot, spec, { explain }).stages, summary: simulate(snapshot, [spec], { explain })[0]! }));
  if (options.output === 'json') info(JSON.stringify(summary, null, 2));
  else printResult(summary, stages);
  return EXIT.OK;
}

/** The same, against the gateway's current state (every committed change). */
export async function simulateRemote(remote: Remote, options: SimulateOptions): Promise<number> {
  const probes = options.probes ? readProbes(options.probes) : [probeFromFlags(options)];
  const { results } = await call(remote, () => connect(remote).policy.simulate.query({ probes, explain: options.explain })).catch((error: unknown) => {
    // An unknown endpoint or a bad probe is bad input, as it is locally.
    if (error instanceof RemoteError && error.kind === 'invalid') throw new InputError(error.message);
    throw error;
  });
  if (options.probes) printBatch(results as ProbeResult[], options.output);
  else if (options.output === 'json') info(JSON.stringify(results[0], null, 2));
  else printResult(results[0] as ProbeResult, undefined);
  return EXIT.OK;
}
