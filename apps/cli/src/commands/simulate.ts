import { describeDecision, evaluateFlow, ProbeError, FlowError, simulate, simulateProbe, type Probe, type ProbeResult, type TraceStep, type ChainResult } from '@palisade/engine';
import { readProbes } from '../probes/read-probes.js';
import { ResultWriter, type ResultFormat } from '../probes/write-results.js';
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
  output: ResultFormat;
  /** With --remote: lay this cluster's reported inventory over the gateway's state. */
  cluster?: string;
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

const chainLine = (label: string, c: ChainResult | undefined) =>
  c ? `  ${label.padEnd(8)} ${c.endpoint}: ${c.verdict} by ${c.decidedBy ? describeDecision(c.decidedBy) : '(no decision)'}` : `  ${label.padEnd(8)} (no policy at this end)`;

/** A result as text, one line per stage and trace step, each ending in a newline. */
function formatResult(r: ProbeResult, stages?: ChainResult[]): string {
  const lines = [`${r.allowed ? 'ALLOWED' : 'DENIED '}  ${r.from} -> ${r.to}  ${typeof r.protocol === 'number' ? r.protocol : r.protocol.toUpperCase()}${r.port ? `/${r.port}` : ''}`];
  if (stages) for (const s of stages) lines.push(chainLine(s.stage === 'normal' ? s.direction : `${s.direction}/${s.stage}`, s));
  if (r.pending) lines.push(`  pending (staged policies in force): ${r.pending.allowed ? 'ALLOWED' : 'DENIED'}${r.pending.differs ? ' — differs from the enforced verdict' : ''}`);
  if (r.trace) for (const step of r.trace) lines.push(`    ${traceLine(step)}`);
  return lines.map((l) => `${l}\n`).join('');
}

const printResult = (r: ProbeResult, stages?: ChainResult[]) => process.stdout.write(formatResult(r, stages));

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

/** Writes results as they come, in constant memory whatever their number. */
async function writeBatch(results: AsyncIterable<ProbeResult> | Iterable<ProbeResult>, output: ResultFormat): Promise<void> {
  const writer = new ResultWriter(process.stdout, output, (r) => formatResult(r));
  for await (const r of results) await writer.write(r);
  await writer.end();
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
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

/**
 * Decides one flow, or a batch of probes, against a snapshot. Exits 0 when evaluated (whatever the
 * verdicts). Probes are read, decided and written one at a time: results already written stay
 * written when a later probe is bad.
 */
export async function simulateCommand(options: SimulateOptions): Promise<number> {
  if (options.files.length === 0) throw new InputError("give the snapshot with -f FILE|DIR, or --remote to simulate against the gateway's current state");
  const snapshot = loadSnapshot(options.files, options.recursive);
  const { probes, explain } = options;
  if (probes) {
    let index = 0;
    const decide = async function* () {
      for await (const probe of readProbes(probes)) yield asInput(() => simulateProbe(snapshot, probe, index++, { explain }));
    };
    await writeBatch(decide(), options.output);
    return EXIT.OK;
  }
  const spec = probeFromFlags(options);
  const { stages, summary } = asInput(() => ({ stages: evaluateFlow(snapshot, spec, { explain }).stages, summary: simulate(snapshot, [spec], { explain })[0]! }));
  if (options.output === 'text') printResult(summary, stages);
  else info(options.output === 'json' ? JSON.stringify(summary, null, 2) : JSON.stringify(summary));
  return EXIT.OK;
}

/** The same, against the gateway's current state (every committed change). */
export async function simulateRemote(remote: Remote, options: SimulateOptions): Promise<number> {
  // The gateway answers a batch as one response, within its size limits.
  const probes = options.probes ? await collect(readProbes(options.probes)) : [probeFromFlags(options)];
  const { results } = await call(remote, () => connect(remote).policy.simulate.query({ probes, explain: options.explain, ...(options.cluster ? { cluster: options.cluster } : {}) })).catch(
    (error: unknown) => {
      // An unknown endpoint or a bad probe is bad input, as it is locally.
      if (error instanceof RemoteError && error.kind === 'invalid') throw new InputError(error.message);
      throw error;
    },
  );
  if (options.probes) await writeBatch(results as ProbeResult[], options.output);
  else if (options.output === 'text') printResult(results[0] as ProbeResult);
  else info(options.output === 'json' ? JSON.stringify(results[0], null, 2) : JSON.stringify(results[0]));
  return EXIT.OK;
}
