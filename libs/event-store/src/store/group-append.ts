import { prepareOneStatement, runOneStatement } from './one-statement.js';
import { duplicateResult } from './outcomes.js';
import { LIMITS, type PreparedAppend } from './prepare.js';
import type { AppendRequest, AppendResult, Db } from './types.js';

interface Pending {
  requests: AppendRequest[];
  prepared: PreparedAppend;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

/** Statements a client runs at once; the appends that arrive meanwhile wait and share the next ones. */
const MAX_IN_FLIGHT = 2;
/** Appends one statement carries at most. */
const MAX_GROUP = 64;
/**
 * Larger appends run alone, at once, as before: they already fill a statement, and sharing only
 * took away the parallel statements they had (batches of 100 measured no faster grouped).
 */
const GROUPED_EVENTS = 16;

/**
 * One-statement appends through one client share statements (group commit). An append costs a
 * round trip and a commit's WAL flush whatever it carries, so appends that arrive while the
 * client's statements run wait, and the next statement carries all of them that touch distinct
 * streams and ids. The statement checks every stream's version and every id before it writes
 * anything (events_append), so when it finds a duplicate or a stream moved on, nothing was written
 * and each append of the group runs again alone, to get exactly the answer it would have got
 * alone. What an append gets back, and every guarantee, is the same as appending alone.
 */
class AppendGroups {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Statements that carried more than one append, and the appends they carried. */
  readonly stats = { sharedStatements: 0, sharedAppends: 0 };

  constructor(private readonly db: Db) {}

  submit(requests: AppendRequest[]): Promise<AppendResult[]> {
    return new Promise<AppendResult[]>((resolve, reject) => {
      // A bad append is refused on its own, before it can share a statement.
      const prepared = prepareOneStatement(requests);
      const pending = { requests, prepared, resolve, reject };
      if (prepared.ids.length > GROUPED_EVENTS) return void this.alone(pending);
      this.queue.push(pending);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length) {
      const group = this.take();
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest appends with distinct streams and ids, within one append's event limit. */
  private take(): Pending[] {
    const group: Pending[] = [];
    const streams = new Set<string>();
    const ids = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.queue.length && group.length < MAX_GROUP;) {
      const p = this.queue[i]!;
      const fits = group.length === 0 || (events + p.prepared.ids.length <= LIMITS.eventsPerAppend && p.requests.every((r) => !streams.has(r.streamId)) && p.prepared.ids.every((id) => !ids.has(id)));
      if (!fits) {
        i++;
        continue;
      }
      for (const r of p.requests) streams.add(r.streamId);
      for (const id of p.prepared.ids) ids.add(id);
      events += p.prepared.ids.length;
      group.push(p);
      this.queue.splice(i, 1);
    }
    return group;
  }

  private async run(group: Pending[]): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    const requests = group.flatMap((p) => p.requests);
    const prepared: PreparedAppend = { ids: group.flatMap((p) => p.prepared.ids), payloads: group.flatMap((p) => p.prepared.payloads) };
    let outcome;
    try {
      outcome = await runOneStatement(this.db, requests, prepared);
    } catch {
      // Whatever it was (a race on a unique key, a lost connection), each append finds out alone.
      outcome = undefined;
    }
    this.stats.sharedStatements++;
    this.stats.sharedAppends += group.length;
    if (outcome?.kind !== 'appended') {
      await Promise.all(group.map((p) => this.alone(p)));
      return;
    }
    let at = 0;
    for (const p of group) {
      p.resolve(outcome.results.slice(at, at + p.requests.length));
      at += p.requests.length;
    }
  }

  private async alone(p: Pending): Promise<void> {
    try {
      const outcome = await runOneStatement(this.db, p.requests, p.prepared);
      if (outcome.kind === 'appended') p.resolve(outcome.results);
      else if (outcome.kind === 'duplicate') p.resolve(duplicateResult(p.requests, p.prepared.ids, outcome.existing));
      else p.reject(outcome.error);
    } catch (error) {
      p.reject(error);
    }
  }
}

const groups = new WeakMap<Db, AppendGroups>();

/** How often this client's appends shared a statement (tests and metrics). */
export function appendGroupStats(db: Db): { sharedStatements: number; sharedAppends: number } {
  return { ...(groups.get(db)?.stats ?? { sharedStatements: 0, sharedAppends: 0 }) };
}

/** Appends in one statement, sharing it with the client's other appends of the moment. */
export function appendGrouped(db: Db, requests: AppendRequest[]): Promise<AppendResult[]> {
  let g = groups.get(db);
  if (!g) groups.set(db, (g = new AppendGroups(db)));
  return g.submit(requests);
}
