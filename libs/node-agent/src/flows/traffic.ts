import { evaluateFlow, parseSelector, type Endpoint, type Snapshot } from '@palisade/engine';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { decidedBy, flowEndpoint } from './decision.js';
import type { FlowObservation } from './aggregator.js';

/**
 * Generated traffic for the simulated dataplane (`--traffic mix.yaml`): each entry sends
 * connections from the endpoints its `from` selector picks to those its `to` selector picks.
 *
 *   flows:
 *   - {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 2, bytes: 4000}
 */
export const TrafficMix = z
  .object({
    flows: z
      .array(
        z
          .object({
            from: z.string().min(1).max(2_000),
            to: z.string().min(1).max(2_000),
            protocol: z.enum(['TCP', 'UDP', 'SCTP', 'ICMP']).default('TCP'),
            port: z.number().int().min(1).max(65535).optional(),
            /** Connections per second each local endpoint opens (as a source) and receives (as a destination). */
            perSecond: z.number().min(0).max(1_000).default(1),
            /** Bytes and packets per connection, both directions together. */
            bytes: z.number().int().min(0).max(1e12).default(1_500),
            packets: z.number().int().min(1).max(1e9).default(10),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();
export type TrafficMix = z.infer<typeof TrafficMix>;

export class TrafficMixError extends Error {
  override readonly name = 'TrafficMixError';
}

export function parseTrafficMix(text: string, source: string): TrafficMix {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new TrafficMixError(`${source}: ${(error as Error).message}`);
  }
  const parsed = TrafficMix.safeParse(raw);
  if (!parsed.success) throw new TrafficMixError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}`);
  for (const [i, f] of parsed.data.flows.entries()) {
    for (const side of ['from', 'to'] as const) {
      try {
        parseSelector(f[side]);
      } catch (error) {
        throw new TrafficMixError(`${source}: flows.${i}.${side}: ${(error as Error).message}`);
      }
    }
  }
  return parsed.data;
}

/** The default mix: every workload talks to every other now and then on a few common ports. */
export const DEFAULT_MIX: TrafficMix = {
  flows: [
    { from: 'all()', to: 'all()', protocol: 'TCP', port: 80, perSecond: 0.2, bytes: 4_000, packets: 12 },
    { from: 'all()', to: 'all()', protocol: 'TCP', port: 443, perSecond: 0.2, bytes: 8_000, packets: 16 },
    { from: 'all()', to: 'all()', protocol: 'UDP', port: 53, perSecond: 0.2, bytes: 200, packets: 2 },
  ],
};

/**
 * Decides generated connections with the engine against the node's state in force, as the
 * kernel would decide them: a source on this node reports what its egress policy did (src); a
 * destination on this node reports what its ingress policy did to what got past the sender (dst).
 */
export class TrafficGenerator {
  private readonly mix: { entry: TrafficMix['flows'][number]; from: ReturnType<typeof parseSelector>; to: ReturnType<typeof parseSelector> }[];
  private carry = new Map<string, number>();
  private peers: { snapshot: Snapshot; size: number; local: Endpoint[]; sources: Endpoint[][]; destinations: Endpoint[][] } | undefined;

  constructor(
    private readonly node: string,
    mix: TrafficMix,
    private readonly random: () => number = Math.random,
  ) {
    this.mix = mix.flows.map((entry) => ({ entry, from: parseSelector(entry.from), to: parseSelector(entry.to) }));
  }

  /** Call when the endpoints may have changed (a new release or inventory): selections are kept until then. */
  invalidate(): void {
    this.peers = undefined;
  }

  /** Connections for `seconds` of traffic on `snapshot`, handed to `observe`. */
  tick(snapshot: Snapshot, seconds: number, observe: (o: FlowObservation) => void): number {
    if (this.peers?.snapshot !== snapshot || this.peers.size !== snapshot.endpoints.size) {
      const workloads = [...snapshot.endpoints.values()].filter((e) => e.kind === 'workload');
      this.peers = {
        snapshot,
        size: snapshot.endpoints.size,
        local: workloads.filter((e) => e.node === this.node),
        sources: this.mix.map(({ from }) => workloads.filter((e) => from.matches(e.labels))),
        destinations: this.mix.map(({ to }) => workloads.filter((e) => to.matches(e.labels))),
      };
    }
    const { local } = this.peers;
    let made = 0;
    for (const [index, { entry, from, to }] of this.mix.entries()) {
      const sources = this.peers.sources[index]!;
      const destinations = this.peers.destinations[index]!;
      for (const endpoint of local) {
        for (const role of ['src', 'dst'] as const) {
          const mine = role === 'src' ? from.matches(endpoint.labels) : to.matches(endpoint.labels);
          const peers = (role === 'src' ? destinations : sources).filter((p) => p.id !== endpoint.id);
          if (!mine || !peers.length) continue;
          const key = `${index}|${role}|${endpoint.id}`;
          const due = (this.carry.get(key) ?? 0) + entry.perSecond * seconds;
          const count = Math.floor(due);
          this.carry.set(key, due - count);
          for (let i = 0; i < count; i++) {
            const peer = peers[Math.floor(this.random() * peers.length)]!;
            const [src, dst] = role === 'src' ? [endpoint, peer] : [peer, endpoint];
            if (this.decide(snapshot, src, dst, entry, role, observe)) made++;
          }
        }
      }
    }
    return made;
  }

  private decide(snapshot: Snapshot, src: Endpoint, dst: Endpoint, entry: TrafficMix['flows'][number], reporter: 'src' | 'dst', observe: (o: FlowObservation) => void): boolean {
    const verdict = evaluateFlow(snapshot, {
      from: src.id,
      to: dst.id,
      protocol: entry.protocol,
      ...(entry.protocol === 'ICMP' ? { icmp: { type: 8, code: 0 } } : entry.port !== undefined ? { port: entry.port } : {}),
    });
    const deniedAtEgress = verdict.deniedAt !== undefined && verdict.deniedAt === verdict.egress;
    // What the destination's node never saw, it does not report.
    if (reporter === 'dst' && deniedAtEgress) return false;
    const chain = reporter === 'src' ? verdict.egress : verdict.ingress;
    const allowed = reporter === 'src' ? !deniedAtEgress : verdict.allowed;
    observe({
      reporter,
      source: flowEndpoint(src, src.ips[0]?.text ?? null),
      destination: flowEndpoint(dst, dst.ips[0]?.text ?? null),
      protocol: entry.protocol,
      port: entry.protocol === 'ICMP' ? null : (entry.port ?? null),
      action: allowed ? 'Allow' : 'Deny',
      policy: decidedBy(allowed ? chain : verdict.deniedAt),
      // A denied connection's first packet is all there was.
      packets: allowed ? entry.packets : 1,
      bytes: allowed ? entry.bytes : Math.min(entry.bytes, 60),
      connectionsStarted: allowed ? 1 : 0,
      connectionsCompleted: allowed ? 1 : 0,
    });
    return true;
  }
}
