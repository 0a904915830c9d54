import { TABLE } from '@palisade/engine';

/** A change to the agent's table that `nft monitor` attributed to another process. */
export interface ForeignChange {
  /** Undefined when nft did not say which process made it. */
  pid: number | undefined;
  process: string | undefined;
  /** The first few events (`add rule inet palisade forward accept`), and how many there were. */
  events: string[];
  count: number;
}

// The flow accounting sets' elements are the kernel counting, not a change to the ruleset.
const ours = new RegExp(`\\binet ${TABLE}(?: |$)`);
const counting = new RegExp(`\\belement inet ${TABLE} pal_(?:flows|denied)`);
const generation = /^# new generation \d+(?: by process (\d+) \(([^)]*)\))?/;

/**
 * Reads `nft monitor` output: events, then a `# new generation N by process PID (NAME)` line
 * that closes the transaction they belong to. Returns, per transaction, what touched this
 * agent's table when the process was not one of the agent's own nft runs.
 */
export class MonitorParser {
  private partial = '';
  private events: string[] = [];
  private count = 0;

  constructor(private readonly isOwn: (pid: number) => boolean) {}

  push(chunk: string): ForeignChange[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const out: ForeignChange[] = [];
    for (const line of lines) {
      const closed = generation.exec(line);
      if (!closed) {
        if (ours.test(line) && !counting.test(line)) {
          this.count++;
          if (this.events.length < 5) this.events.push(line.trim().slice(0, 300));
        }
        continue;
      }
      const pid = closed[1] === undefined ? undefined : Number(closed[1]);
      if (this.count > 0 && (pid === undefined || !this.isOwn(pid))) out.push({ pid, process: closed[2], events: this.events, count: this.count });
      this.events = [];
      this.count = 0;
    }
    return out;
  }
}

/** Foreign changes seen since the last drift check, described once. */
export class ForeignChanges {
  private seen: ForeignChange[] = [];

  add(changes: readonly ForeignChange[]): void {
    this.seen.push(...changes);
    if (this.seen.length > 20) this.seen.splice(0, this.seen.length - 20);
  }

  take(): string | undefined {
    const seen = this.seen;
    this.seen = [];
    if (!seen.length) return undefined;
    return seen
      .map((c) => {
        const who = c.pid === undefined ? 'another process' : `process ${c.pid}${c.process ? ` (${c.process})` : ''}`;
        return `${who} changed the table: ${c.events.join('; ')}${c.count > c.events.length ? `; … ${c.count - c.events.length} more` : ''}`;
      })
      .join(' / ');
  }
}

/** The pids of the agent's own recent nft runs (a few dozen: pids are reused, eventually). */
export class RecentPids {
  private readonly pids: number[] = [];

  remember(pid: number | undefined): void {
    if (pid === undefined) return;
    this.pids.push(pid);
    if (this.pids.length > 64) this.pids.shift();
  }

  has(pid: number): boolean {
    return this.pids.includes(pid);
  }
}
