import { spawn } from 'node:child_process';
import { describeCounter, FlowDecisions, renderNftables, renderNftablesUpdate, TABLE, type CounterRef, type IrDiff, type NodeIR } from '@palisade/engine';
import { NftFlowReader, type KernelFlow } from './nft-flows.js';
import { DataplaneError, type Dataplane } from './dataplane.js';
import { Baseline, describeDrift, touchedSets, withoutFlowElements } from './nft-baseline.js';
import { ForeignChanges, MonitorParser, RecentPids } from './nft-monitor.js';

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
  /** The table as read back after the last apply: what drift is measured against. */
  private readonly baseline = new Baseline(() => this.listing());
  /** Changes to the table that nft monitor saw other processes make, not yet reported. */
  private readonly foreign = new ForeignChanges();
  private readonly ownPids = new RecentPids();
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
    const parts = diffs.map((d) => renderNftablesUpdate(d, ir));
    if (!this.inForce || parts.some((p) => p === undefined)) return this.applyFull(ir);
    const text = parts.join('');
    if (text) await this.loadChanges(text, touchedSets(diffs));
    // Chains and decision ids are unchanged; the IR is newer (sets moved).
    if (this.inForce) this.inForce = { ...this.inForce, ir };
    return { mode: 'incremental' };
  }

  /** Resolves when the read-back after the last apply is done (drift checks wait for it). */
  async readBack(): Promise<void> {
    await this.baseline.current();
  }

  async drift(): Promise<string | undefined> {
    const foreign = this.foreign.take();
    const baseline = await this.baseline.current();
    if (baseline === undefined) return foreign;
    const now = await this.listing();
    if (now !== baseline) return describeDrift(baseline, now);
    // The read-back matched, yet another process changed the table: during the moment after an
    // apply before the read-back, so the baseline already holds its change.
    return foreign;
  }

  /**
   * `nft monitor`: the kernel announces every change to any table, with the process that made
   * it. A change to this table by any process but the agent's own nft runs asks for a drift check
   * (and is remembered, so even a change the read-back cannot tell apart is reported). Restarted
   * if it exits; a restart asks for a check too, since changes may have gone unseen meanwhile.
   */
  watchChanges(onChange: () => void): () => void {
    let stopped = false;
    let child: ReturnType<typeof spawn> | undefined;
    let delay = 500;
    const start = () => {
      if (stopped) return;
      const [cmd, ...pre] = this.command;
      const monitor = new MonitorParser((pid) => this.ownPids.has(pid));
      child = spawn(cmd!, [...pre, 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        delay = 500;
        const changes = monitor.push(chunk);
        if (!changes.length) return;
        this.foreign.add(changes);
        onChange();
      });
      child.on('error', () => undefined);
      child.on('close', () => {
        if (stopped) return;
        onChange();
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
    this.baseline.forget();
    this.inForce = undefined;
  }

  private async load(text: string): Promise<void> {
    const result = await this.run(['-f', '-'], text);
    if (result.code !== 0) throw new DataplaneError(`nft refused the ruleset: ${firstLines(result.stderr, 3)}`, result.stderr);
    // The rules are in force now; reading them back (as long again as loading them) is for drift
    // checks, which wait for it, not for the caller.
    this.baseline.refresh();
  }

  /** Loads set member changes; the sets they touched are read back afterwards, to patch the baseline. */
  private async loadChanges(text: string, sets: readonly string[]): Promise<void> {
    const result = await this.run(['-f', '-'], text);
    if (result.code !== 0) throw new DataplaneError(`nft refused the change: ${firstLines(result.stderr, 3)}`, result.stderr);
    const listSets = sets.map((id) => `list set inet ${TABLE} ${id}\n`).join('');
    this.baseline.patch(async () => (await this.run(['-s', '-f', '-'], listSets)).stdout);
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
      // `ip netns exec` and nft exec in place: this pid is the one nft monitor names.
      this.ownPids.remember(child.pid);
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
      // A child that exits without reading its input (it refused early) is reported by 'close'.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }
}

function firstLines(text: string, n: number): string {
  return text.trim().split('\n').slice(0, n).join(' | ') || 'no reason given';
}
