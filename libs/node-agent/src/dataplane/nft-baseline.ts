import { TABLE, type IrDiff } from '@palisade/engine';

/**
 * The table as read back after the last apply, which drift checks compare the kernel against.
 * Reading takes as long as the load it follows, so reads run in the background, in order, and
 * checks wait for them: after a full load the whole table, after an incremental change only the
 * sets it touched, patched in.
 */
export class Baseline {
  private text: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private generation = 0;

  constructor(private readonly list: () => Promise<string>) {}

  /** Reads the whole table again (after a full load). */
  refresh(): void {
    const generation = ++this.generation;
    this.text = undefined;
    this.enqueue(async () => {
      const text = await this.list();
      if (this.generation === generation) this.text = text;
    });
  }

  /** Replaces the blocks of the sets that `read` lists (after an incremental change); reads all again if one is unknown. */
  patch(read: () => Promise<string>): void {
    const generation = this.generation;
    this.enqueue(async () => {
      if (this.text === undefined) return;
      const listing = await read();
      if (this.generation !== generation || this.text === undefined) return;
      const patched = replaceBlocks(this.text, listing);
      if (patched === undefined) this.refresh();
      else this.text = patched;
    });
  }

  /** The baseline once the reads asked for so far are done; undefined before the first apply. */
  async current(): Promise<string | undefined> {
    while (this.pending > 0) await this.queue;
    return this.text;
  }

  forget(): void {
    this.generation++;
    this.text = undefined;
  }

  private enqueue(step: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(step)
      .catch(() => {
        // A read that failed leaves no baseline: drift is not judged against a guess.
        this.text = undefined;
      })
      .finally(() => this.pending--);
  }
}

/** The sets whose members a diff moves. */
export function touchedSets(diffs: readonly IrDiff[]): string[] {
  const ids = new Set<string>();
  for (const d of diffs) for (const change of [...d.ipSets.members, ...d.tupleSets.members]) if (change.add.length || change.remove.length) ids.add(change.id);
  return [...ids];
}

const blockStart = /^\t(set|map|chain) (\S+) \{$/;

/** Each top-level block (`\tset NAME {` to `\t}`) of a listing, by kind and name. */
function blocks(listing: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of listing.split('\n')) {
    const start = blockStart.exec(line);
    if (start) {
      name = `${start[1]} ${start[2]}`;
      lines = [];
    }
    if (name) lines.push(line);
    if (name && line === '\t}') {
      out.set(name, lines.join('\n'));
      name = undefined;
    }
  }
  return out;
}

/** `listing` with its blocks replaced by those in `updates`; undefined when one is not in it. */
export function replaceBlocks(listing: string, updates: string): string | undefined {
  const current = blocks(listing);
  let text = listing;
  for (const [name, block] of blocks(updates)) {
    const old = current.get(name);
    if (old === undefined) return undefined;
    text = text.replace(old, () => block);
  }
  return text;
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
