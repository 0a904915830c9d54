import { spawn } from 'node:child_process';
import { describeCounter, FlowDecisions, renderNftables, renderNftablesUpdate, TABLE, type CounterRef, type IrDiff, type NodeIR } from '@palisade/engine';
import { NftFlowReader, type KernelFlow } from './nft-flows.js';
import { DataplaneError, type Dataplane } from './dataplane.js';

export interface NftablesOptions {
  /** The command that runs nft: ['nft'] on a host, ['ip', 'netns', 'exec', NS, 'nft'] in a test's namespace. */
  command?: readonly string[];
  /** Longest an nft run may take before it is killed (and the apply counted as failed). */
  timeoutMs?: number;
  /** Count flows in the kernel (accounting sets in the ruleset) for flow logs. */
  flowLog?: boolean;
}

/** A flow the kernel counted, with the decision that let it through or dropped it. */
export interface DecidedKernelFlow extends KernelFlow {
  decidedBy: CounterRef | undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The kernel dataplane: `nft -f` transactions in the agent's own table (`inet palisade`) and no
 * other, each atomic, so a ruleset the kernel refuses changes nothing and the last good one stays
 * in force. After every apply the table is read back without counters; drift is any difference
 * from that reading.
 */
export class NftablesDataplane implements Dataplane {
  readonly kind = 'nftables';
  private readonly command: readonly string[];
  private readonly timeoutMs: number;
  private baseline: string | undefined;
  private readonly flowLog: boolean;
  private readonly flows: NftFlowReader;
  /** The IR and decision ids of the ruleset in force, to name what decided a counted flow. */
  private inForce: { ir: NodeIR; decisions: readonly string[] } | undefined;
  /** Flows read just before a reload emptied the sets, handed out with the next read. */
  private carried: DecidedKernelFlow[] = [];

  constructor(options: NftablesOptions = {}) {
    this.command = options.command ?? ['nft'];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.flowLog = options.flowLog ?? false;
    this.flows = new NftFlowReader((args) => this.run(args));
  }

  async applyFull(ir: NodeIR): Promise<{ mode: 'full' }> {
    const decisions = this.flowLog ? new FlowDecisions() : undefined;
    const text = renderNftables(ir, decisions ? { flows: decisions } : {});
    // A reload empties the accounting sets: what they counted so far is read first.
    if (this.flowLog && this.inForce) this.carried.push(...(await this.readFlows().catch(() => [])));
    await this.load(text);
    this.flows.reset();
    this.inForce = { ir, decisions: decisions?.comments ?? [] };
    return { mode: 'full' };
  }

  /** What the kernel counted since the last read (nothing unless flowLog is on). */
  async readFlows(): Promise<DecidedKernelFlow[]> {
    const carried = this.carried;
    this.carried = [];
    const state = this.inForce;
    if (!this.flowLog || !state) return carried;
    const read = await this.flows.read();
    return [...carried, ...read.map((f) => ({ ...f, decidedBy: describeCounter(state.ir, state.decisions[f.decision - 1] ?? '') }))];
  }

  async applyChanges(ir: NodeIR, diffs: readonly IrDiff[]): Promise<{ mode: 'incremental' | 'full' }> {
    const parts = diffs.map((d) => renderNftablesUpdate(d));
    if (this.baseline === undefined || parts.some((p) => p === undefined)) return this.applyFull(ir);
    const text = parts.join('');
    if (text) await this.load(text);
    // Chains and decision ids are unchanged; the IR is newer (sets moved).
    if (this.inForce) this.inForce = { ...this.inForce, ir };
    return { mode: 'incremental' };
  }

  async drift(): Promise<string | undefined> {
    if (this.baseline === undefined) return undefined;
    const now = await this.listing();
    if (now === this.baseline) return undefined;
    return describeDrift(this.baseline, now);
  }

  /**
   * `nft monitor ruleset`: the kernel announces every change to any table; each announcement
   * (ours included: the check then finds nothing) asks for a drift check. Restarted if it exits.
   */
  watchChanges(onChange: () => void): () => void {
    let stopped = false;
    let child: ReturnType<typeof spawn> | undefined;
    let delay = 500;
    const start = () => {
      if (stopped) return;
      const [cmd, ...pre] = this.command;
      child = spawn(cmd!, [...pre, 'monitor', 'ruleset'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout!.on('data', () => {
        delay = 500;
        onChange();
      });
      child.on('error', () => undefined);
      child.on('close', () => {
        if (stopped) return;
        setTimeout(start, delay).unref();
        delay = Math.min(delay * 2, 30_000);
      });
    };
    start();
    return () => {
      stopped = true;
      child?.kill();
    };
  }

  async remove(): Promise<void> {
    await this.run(['delete', 'table', 'inet', TABLE]).catch(() => undefined);
    this.baseline = undefined;
  }

  private async load(text: string): Promise<void> {
    const result = await this.run(['-f', '-'], text);
    if (result.code !== 0) throw new DataplaneError(`nft refused the ruleset: ${firstLines(result.stderr, 3)}`, result.stderr);
    this.baseline = await this.listing();
  }

  /** The table as the kernel holds it, without counter values (which move with traffic). */
  private async listing(): Promise<string> {
    const result = await this.run(['-s', 'list', 'table', 'inet', TABLE]);
    return result.code === 0 ? withoutFlowElements(result.stdout) : '';
  }

  private run(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const [cmd, ...pre] = this.command;
      const child = spawn(cmd!, [...pre, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new DataplaneError(`cannot run ${this.command.join(' ')}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}killed by ${signal} after ${this.timeoutMs} ms` : stderr });
      });
      child.stdin.end(input ?? '');
    });
  }
}

function firstLines(text: string, n: number): string {
  return text.trim().split('\n').slice(0, n).join(' | ') || 'no reason given';
}

/**
 * The listing without the flow accounting sets' elements: traffic adds and expires those every
 * moment, which is the kernel counting, not a change to the ruleset.
 */
export function withoutFlowElements(listing: string): string {
  const out: string[] = [];
  let accounting = false;
  let skipping = false;
  for (const line of listing.split('\n')) {
    const trimmed = line.trim();
    if (/^set \S+ \{$/.test(trimmed)) accounting = /^set pal_(?:flows|denied)\w* \{$/.test(trimmed);
    if (accounting && trimmed.startsWith('elements = {')) skipping = true;
    if (!skipping) out.push(line);
    if (skipping && trimmed.endsWith('}')) skipping = false;
    if (trimmed === '}') accounting = false;
  }
  return out.join('\n');
}

/** Each rule and element line with the chain or set it is in, counted: a duplicate line is a change too. */
function placedLines(listing: string): Map<string, number> {
  const counts = new Map<string, number>();
  let place = '';
  for (const raw of listing.split('\n')) {
    const line = raw.trim();
    if (!line || line === '}') continue;
    const opened = /^(chain|set|map) (\S+) \{$/.exec(line);
    if (opened) {
      place = `${opened[1]} ${opened[2]}`;
      continue;
    }
    const key = place ? `${place}: ${line}` : line;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** What changed, as lines added and removed per chain or set (at most a few of each: enough to say what happened). */
export function describeDrift(expected: string, actual: string): string {
  if (actual === '') return `table inet ${TABLE} was deleted`;
  const a = placedLines(expected);
  const b = placedLines(actual);
  const more = (x: Map<string, number>, y: Map<string, number>) => [...x].filter(([line, n]) => n > (y.get(line) ?? 0)).map(([line]) => line);
  const added = more(b, a);
  const removed = more(a, b);
  const show = (list: string[]) => list.slice(0, 5).join('; ') + (list.length > 5 ? `; … ${list.length - 5} more` : '');
  return [added.length ? `added: ${show(added)}` : '', removed.length ? `removed: ${show(removed)}` : ''].filter(Boolean).join(' / ') || 'rules were reordered';
}
