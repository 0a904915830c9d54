import { FLOW_SETS, TABLE } from '@palisade/engine';

/** One flow the kernel counted since the last read: addresses, protocol, port, the deciding rule's id. */
export interface KernelFlow {
  action: 'Allow' | 'Deny';
  src: string;
  dst: string;
  protocol: string;
  port: number | null;
  decision: number;
  packets: number;
  bytes: number;
  /** First seen in this read: a connection (or a denied flow) that started. */
  started: boolean;
}

interface Counted {
  packets: number;
  bytes: number;
}

const PROTOCOLS: Record<string, string> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', 'ipv6-icmp': 'ICMPv6', icmpv6: 'ICMPv6', sctp: 'SCTP', udplite: 'UDPLite' };

const SETS = [
  ...Object.values(FLOW_SETS.allowed).map((name) => ({ name, action: 'Allow' as const, ports: true })),
  ...Object.values(FLOW_SETS.allowedNoPort).map((name) => ({ name, action: 'Allow' as const, ports: false })),
  ...Object.values(FLOW_SETS.denied).map((name) => ({ name, action: 'Deny' as const, ports: true })),
  ...Object.values(FLOW_SETS.deniedNoPort).map((name) => ({ name, action: 'Deny' as const, ports: false })),
];

/**
 * Reads the ruleset's flow accounting sets (`nft -j list set`) and returns what each element's
 * counter gained since the previous read. Elements expire 10 minutes after their last packet; a
 * full reload starts the sets empty (call reset()).
 */
export class NftFlowReader {
  private last = new Map<string, Counted>();

  constructor(private readonly run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>) {}

  reset(): void {
    this.last = new Map();
  }

  async read(): Promise<KernelFlow[]> {
    const out: KernelFlow[] = [];
    const seen = new Map<string, Counted>();
    for (const set of SETS) {
      const result = await this.run(['-j', 'list', 'set', 'inet', TABLE, set.name]);
      if (result.code !== 0) continue; // no flow accounting in the ruleset in force
      const parsed = JSON.parse(result.stdout) as { nftables: { set?: { elem?: { elem?: { val: { concat: (string | number)[] }; counter?: Counted } }[] } }[] };
      const elems = parsed.nftables.find((x) => x.set)?.set?.elem ?? [];
      for (const e of elems) {
        const values = e.elem?.val.concat;
        const counter = e.elem?.counter;
        if (!values || !counter) continue;
        const key = `${set.name}|${values.join('|')}`;
        seen.set(key, counter);
        const before = this.last.get(key);
        const fresh = !before || before.packets > counter.packets;
        const base = fresh ? { packets: 0, bytes: 0 } : before;
        const packets = counter.packets - base.packets;
        if (packets <= 0) continue;
        const [src, dst, protocol, ...rest] = values;
        const decision = Number(rest.at(-1));
        out.push({
          action: set.action,
          src: String(src),
          dst: String(dst),
          protocol: PROTOCOLS[String(protocol)] ?? String(protocol).toUpperCase(),
          port: set.ports ? Number(rest[0]) : null,
          decision,
          packets,
          bytes: counter.bytes - base.bytes,
          started: fresh,
        });
      }
    }
    this.last = seen;
    return out;
  }
}
