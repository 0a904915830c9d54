// Flow accounting in the kernel, for flow logs that only say what the kernel witnessed. Every
// decision that ends a packet's walk (a rule's Allow or Deny, an end-of-tier or no-profile drop)
// gets a small numeric id. An Allow stamps its id on the connection (ct mark); every packet of
// the connection, both directions, then updates an element of a dynamic set keyed by the
// original direction's addresses, protocol, destination port and that id, whose counter gives
// packets and bytes. A drop first updates a set of denied flows keyed the same way with the id
// in the packet mark. Agents read the sets back (`nft -j list set`) and turn the counters into
// flow records. (Keys use plain header fields per direction: nft 1.0.6 cannot type
// `ct original proto-dst` in a concatenation.)

/** Ids fit below the verdict mark bits (0x10000 and up) and the connection mark stays small. */
export const MAX_FLOW_DECISIONS = 0xffff;
const WITH_PORTS = '{ 6, 17, 132, 136 }';

export const FLOW_SETS = {
  allowed: { 4: 'pal_flows4', 6: 'pal_flows6' },
  allowedNoPort: { 4: 'pal_flowsnp4', 6: 'pal_flowsnp6' },
  denied: { 4: 'pal_denied4', 6: 'pal_denied6' },
  deniedNoPort: { 4: 'pal_deniednp4', 6: 'pal_deniednp6' },
} as const;

const ip = (f: 4 | 6) => (f === 4 ? 'ip' : 'ip6');
const addr = (f: 4 | 6) => (f === 4 ? 'ipv4_addr' : 'ipv6_addr');
const SET_FLAGS = 'flags dynamic, timeout; timeout 10m; size 65536; counter;';

/** Assigns decision ids in the order the renderer meets them, and remembers which comment each is. */
export class FlowDecisions {
  readonly comments: string[] = [];
  private readonly ids = new Map<string, number>();

  idOf(comment: string): number | undefined {
    const known = this.ids.get(comment);
    if (known !== undefined) return known;
    if (this.comments.length >= MAX_FLOW_DECISIONS) return undefined;
    this.comments.push(comment);
    const id = this.comments.length;
    this.ids.set(comment, id);
    return id;
  }
}

export function flowSetDeclarations(): string[] {
  const out: string[] = [];
  for (const f of [4, 6] as const) {
    out.push(`  set ${FLOW_SETS.allowed[f]} { type ${addr(f)} . ${addr(f)} . inet_proto . inet_service . mark; ${SET_FLAGS} }`);
    out.push(`  set ${FLOW_SETS.allowedNoPort[f]} { type ${addr(f)} . ${addr(f)} . inet_proto . mark; ${SET_FLAGS} }`);
    out.push(`  set ${FLOW_SETS.denied[f]} { type ${addr(f)} . ${addr(f)} . inet_proto . inet_service . mark; ${SET_FLAGS} }`);
    out.push(`  set ${FLOW_SETS.deniedNoPort[f]} { type ${addr(f)} . ${addr(f)} . inet_proto . mark; ${SET_FLAGS} }`);
  }
  return out;
}

/** Counts a packet of an allowed connection (its ct mark is the deciding rule's id) in both directions. */
export function countAllowed(directions: 'both' | 'original'): string[] {
  const out: string[] = [];
  for (const f of [4, 6] as const) {
    const base = `ct mark != 0 meta nfproto ${f === 4 ? 'ipv4' : 'ipv6'}`;
    out.push(`    ${base} ct direction original meta l4proto ${WITH_PORTS} update @${FLOW_SETS.allowed[f]} { ${ip(f)} saddr . ${ip(f)} daddr . meta l4proto . th dport . ct mark }`);
    out.push(`    ${base} ct direction original meta l4proto != ${WITH_PORTS} update @${FLOW_SETS.allowedNoPort[f]} { ${ip(f)} saddr . ${ip(f)} daddr . meta l4proto . ct mark }`);
    if (directions === 'both') {
      out.push(`    ${base} ct direction reply meta l4proto ${WITH_PORTS} update @${FLOW_SETS.allowed[f]} { ${ip(f)} daddr . ${ip(f)} saddr . meta l4proto . th sport . ct mark }`);
      out.push(`    ${base} ct direction reply meta l4proto != ${WITH_PORTS} update @${FLOW_SETS.allowedNoPort[f]} { ${ip(f)} daddr . ${ip(f)} saddr . meta l4proto . ct mark }`);
    }
  }
  return out;
}

/**
 * Rules that record a packet about to be dropped, placed just before the drop with the same
 * matches. Kept out of the drop rule itself: a field a packet lacks (no port on ICMP, no IPv4
 * header on IPv6) stops the rule it is in, and the drop must never be skipped.
 */
export function countDenied(matches: string, id: number): string[] {
  const m = matches ? `${matches} ` : '';
  const out: string[] = [];
  for (const f of [4, 6] as const) {
    const base = `${m}meta nfproto ${f === 4 ? 'ipv4' : 'ipv6'}`;
    out.push(`    ${base} meta l4proto ${WITH_PORTS} meta mark set ${id} update @${FLOW_SETS.denied[f]} { ${ip(f)} saddr . ${ip(f)} daddr . meta l4proto . th dport . meta mark }`);
    out.push(`    ${base} meta l4proto != ${WITH_PORTS} meta mark set ${id} update @${FLOW_SETS.deniedNoPort[f]} { ${ip(f)} saddr . ${ip(f)} daddr . meta l4proto . meta mark }`);
  }
  return out;
}
