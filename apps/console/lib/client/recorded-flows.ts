import type { FlowRecord } from '@palisade/contracts';

const side = (e: FlowRecord['source']) => (e.name ? (e.namespace ? `${e.namespace}/${e.name}` : e.name) : e.ip);

/**
 * Recorded flow records as impact-preview lines ("from to protocol port"), one per distinct
 * conversation, in the order first seen; records with an end the simulator cannot name are left out.
 */
export function flowLinesFromRecords(records: FlowRecord[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of records) {
    const from = side(r.source);
    const to = side(r.destination);
    if (!from || !to) continue;
    const line = `${from} ${to} ${r.protocol}${r.port ? ` ${r.port}` : ''}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines;
}
