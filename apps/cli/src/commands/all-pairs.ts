import { AllPairs, parsePortList, PortListError, type NamespacePairSummary, type PortUniverse } from '@palisade/engine';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { send } from '../probes/send.js';
import { loadSnapshot } from './snapshot-input.js';

export type AllPairsFormat = 'text' | 'json' | 'ndjson' | 'csv';

export interface AllPairsOptions {
  files: string[];
  recursive: boolean;
  /** `--ports` as written; every TCP, UDP and SCTP port when absent. */
  ports?: string;
  /** Only the per-namespace summary, not every pair. */
  summary: boolean;
  output: AllPairsFormat;
}

/** Pairs are written in chunks of about this many characters. */
const CHUNK = 1 << 20;

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

function universeOf(ports: string | undefined): PortUniverse | undefined {
  if (ports === undefined) return undefined;
  try {
    return parsePortList(ports);
  } catch (error) {
    if (error instanceof PortListError) throw new InputError(`--ports: ${error.message}`);
    throw error;
  }
}

/** Allowed entries, the most widely allowed first: `TCP/80 (40), UDP/53 (12)`. */
const allowedText = (allowed: Record<string, number>) =>
  Object.entries(allowed)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([entry, n]) => `${entry} (${count(n)})`)
    .join(', ');

function summaryTable(rows: NamespacePairSummary[]): string {
  const header = ['FROM', 'TO', 'PAIRS', 'CONNECTED', 'ALLOWED (PAIRS)'];
  const cells = rows.map((r) => [r.fromNamespace, r.toNamespace, count(r.pairs), count(r.connected), allowedText(r.allowed) || '-']);
  // A loop, not Math.max(...): a cluster can have hundreds of thousands of namespace pairs.
  const widths = header.slice(0, 4).map((h, i) => cells.reduce((w, c) => Math.max(w, c[i]!.length), h.length));
  const line = (c: string[]) =>
    `${c
      .slice(0, 4)
      .map((v, i) => (i >= 2 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')}  ${c[4]}`.trimEnd();
  return [line(header), ...cells.map(line)].map((l) => `${l}\n`).join('');
}

/**
 * `palisade simulate --all-pairs`: every pod's reachability to every other, decided by
 * equivalence classes. Pairs are written source by source as they are decided (waiting for the
 * output), so memory does not grow with their number; the summary per namespace pair comes from
 * class sizes and never visits pairs one by one.
 */
export async function allPairsCommand(options: AllPairsOptions): Promise<number> {
  try {
    return await writeAllPairs(options);
  } catch (error) {
    // A reader that stopped early (`| head`) is not a failure: it has what it wanted.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.OK;
    throw error;
  }
}

async function writeAllPairs(options: AllPairsOptions): Promise<number> {
  if (options.files.length === 0) throw new InputError('give the snapshot with -f FILE|DIR: --all-pairs decides against files');
  const universe = universeOf(options.ports);
  const snapshot = loadSnapshot(options.files, options.recursive);
  const started = performance.now();
  const all = new AllPairs(snapshot, universe ? { ports: universe } : {});
  const out = process.stdout;
  const { endpoints } = all.classes;
  const pairsWanted = !options.summary && options.output !== 'text';
  const ids = endpoints.map((e) => (options.output === 'csv' ? csvField(e.id) : JSON.stringify(e.id)));

  if (options.output === 'json') await send(out, `{\n  "endpoints": ${endpoints.length},\n  "classes": ${all.classCount},\n`);
  if (options.output === 'csv' && pairsWanted) await send(out, 'from,to,allowed\n');
  if (pairsWanted) {
    // Answers are shared arrays: their rendering is made once.
    const rendered = new Map<readonly string[], string>();
    const render = (allowed: readonly string[]) => {
      let text = rendered.get(allowed);
      if (text === undefined) {
        text = options.output === 'csv' ? csvField(allowed.join(' ')) : JSON.stringify(allowed);
        rendered.set(allowed, text);
      }
      return text;
    };
    if (options.output === 'json') await send(out, '  "pairs": [');
    let first = true;
    // Endpoint ids are Kubernetes names, ASCII in practice: then latin1 writes the same bytes as UTF-8, faster.
    const encoding = ids.every((id) => /^[\x20-\x7e]*$/.test(id)) ? 'latin1' : 'utf8';
    let chunk = '';
    for (let i = 0; i < endpoints.length; i++) {
      all.forEachFrom(i, (_from, _to, allowed, j) => {
        const f = ids[i]!;
        const t = ids[j]!;
        if (options.output === 'csv') chunk += `${f},${t},${render(allowed)}\n`;
        else if (options.output === 'ndjson') chunk += `{"from":${f},"to":${t},"allowed":${render(allowed)}}\n`;
        else {
          chunk += `${first ? '\n' : ',\n'}    {"from": ${f}, "to": ${t}, "allowed": ${render(allowed)}}`;
          first = false;
        }
      });
      if (chunk.length >= CHUNK || (i === endpoints.length - 1 && chunk)) {
        await send(out, chunk, encoding);
        chunk = '';
      }
    }
    if (options.output === 'json') await send(out, first ? '],\n' : '\n  ],\n');
  }

  const rows = all.summary();
  const seconds = (performance.now() - started) / 1000;
  switch (options.output) {
    case 'text': {
      const pairs = rows.reduce((n, r) => n + r.pairs, 0);
      const connected = rows.reduce((n, r) => n + r.connected, 0);
      const share = pairs ? ` (${((100 * connected) / pairs).toFixed(1)}%)` : '';
      await send(
        out,
        `${plural(endpoints.length, 'pod', 'pods')} in ${plural(new Set(endpoints.map((e) => e.namespace)).size, 'namespace', 'namespaces')}, ${plural(all.classCount, 'class', 'classes')}: ${plural(pairs, 'pair', 'pairs')}, ${count(connected)} connected${share}, on ${options.ports ?? 'every TCP, UDP and SCTP port'}; decided in ${seconds.toFixed(2)} s\n\n`,
      );
      await send(out, summaryTable(rows));
      if (!options.summary) await send(out, '\nEvery pair: -o ndjson, -o csv or -o json.\n');
      break;
    }
    case 'json':
      await send(out, `  "namespaces": [${rows.map((r) => `\n    ${JSON.stringify(r)}`).join(',')}${rows.length ? '\n  ' : ''}]\n}\n`);
      break;
    case 'ndjson':
      await send(out, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      break;
    case 'csv':
      if (!options.summary) break;
      await send(out, 'from_namespace,to_namespace,pairs,connected,allowed\n');
      await send(
        out,
        rows
          .map(
            (r) =>
              `${csvField(r.fromNamespace)},${csvField(r.toNamespace)},${r.pairs},${r.connected},${csvField(
                Object.entries(r.allowed)
                  .map(([entry, n]) => `${entry}=${n}`)
                  .join(' '),
              )}\n`,
          )
          .join(''),
      );
      break;
  }
  return EXIT.OK;
}
