import { protocolName } from '../eval/match.js';

/** The protocols whose connections have destination ports, which an all-pairs answer covers. */
const PORT_PROTOCOLS = new Map([
  ['tcp', 6],
  ['udp', 17],
  ['sctp', 132],
]);

/** A closed range of destination ports. */
export interface PortRange {
  min: number;
  max: number;
}

/** What an all-pairs answer covers: per protocol number, sorted disjoint port ranges. */
export type PortUniverse = ReadonlyMap<number, readonly PortRange[]>;

/** Every port of TCP, UDP and SCTP: the default when no --ports are given. */
export const ALL_PORTS: PortUniverse = new Map([...PORT_PROTOCOLS.values()].map((p) => [p, [{ min: 1, max: 65535 }]]));

export class PortListError extends Error {
  override readonly name = 'PortListError';
  constructor(
    /** The item as written. */
    readonly item: string,
    /** Its 0-based character offset in the list. */
    readonly position: number,
    message: string,
  ) {
    super(`${JSON.stringify(item)} (at character ${position + 1}): ${message}`);
  }
}

function portNumber(text: string, item: string, position: number): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new PortListError(item, position, `${JSON.stringify(text)} is not a port number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new PortListError(item, position, `port ${port} is out of range: use 1 to 65535`);
  return port;
}

/** Sorts and merges ranges that overlap or touch. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.min - b.min);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.min <= last.max + 1) last.max = Math.max(last.max, r.max);
    else out.push({ ...r });
  }
  return out;
}

/**
 * Parses `--ports`: a comma-separated list of `PORT`, `MIN-MAX` (TCP), or either after a protocol,
 * `udp/53`, `sctp/3868`, `tcp/8000-8080`. A bad item is named with its position.
 */
export function parsePortList(text: string): PortUniverse {
  const byProtocol = new Map<number, PortRange[]>();
  let offset = 0;
  for (const raw of text.split(',')) {
    const position = offset + (raw.length - raw.trimStart().length);
    offset += raw.length + 1;
    const item = raw.trim();
    if (item === '') throw new PortListError(raw, position, 'empty item: write ports as 80,443 or udp/53');
    const slash = item.indexOf('/');
    let protocol = 6;
    let ports = item;
    if (slash >= 0) {
      const name = item.slice(0, slash).toLowerCase();
      const known = PORT_PROTOCOLS.get(name);
      if (known === undefined) throw new PortListError(item, position, `unknown protocol ${JSON.stringify(item.slice(0, slash))}: use tcp, udp or sctp`);
      protocol = known;
      ports = item.slice(slash + 1);
    }
    const dash = ports.indexOf('-');
    const min = portNumber(dash >= 0 ? ports.slice(0, dash) : ports, item, position);
    const max = dash >= 0 ? portNumber(ports.slice(dash + 1), item, position) : min;
    if (max < min) throw new PortListError(item, position, `range ${min}-${max} ends before it starts`);
    let list = byProtocol.get(protocol);
    if (!list) byProtocol.set(protocol, (list = []));
    list.push({ min, max });
  }
  return new Map([...byProtocol].sort((a, b) => a[0] - b[0]).map(([p, list]) => [p, mergeRanges(list)]));
}

/** Adds an allowed segment to ascending ranges, extending the last one when they touch. */
export function addRange(ranges: PortRange[], segment: PortRange): void {
  const last = ranges[ranges.length - 1];
  if (last && last.max + 1 === segment.min) last.max = segment.max;
  else ranges.push({ ...segment });
}

/** `TCP/80` or `TCP/8000-8080`: the form `--ports` reads back. */
export const formatRange = (protocol: number, r: PortRange): string => `${protocolName(protocol)}/${r.min === r.max ? r.min : `${r.min}-${r.max}`}`;

/**
 * Splits the universe's ranges of one protocol at the cut points (a cut at n starts a new segment
 * at n): within a segment no rule can tell two ports apart, so one port decides for all of it.
 */
export function segments(ranges: readonly PortRange[], cuts: readonly number[]): PortRange[] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  const out: PortRange[] = [];
  let c = 0;
  for (const r of ranges) {
    let start = r.min;
    while (c < sorted.length && sorted[c]! <= start) c++;
    let k = c;
    while (k < sorted.length && sorted[k]! <= r.max) {
      out.push({ min: start, max: sorted[k]! - 1 });
      start = sorted[k]!;
      k++;
    }
    c = k;
    out.push({ min: start, max: r.max });
  }
  return out;
}
