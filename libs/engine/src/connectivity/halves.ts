import type { Endpoint } from '../snapshot/types.js';
import { compiledChainFor } from '../eval/chain.js';
import { workloadChainAllows } from '../eval/flow.js';
import type { Packet } from '../eval/match.js';
import { resolvePeer, type Peer } from '../eval/peers.js';
import type { Snapshot } from '../eval/snapshot.js';
import { entityTests, hasHostEndpoints, type EndpointClasses } from './classes.js';
import { chainRules, cutsFor, cutsOf, type PortCuts } from './cuts.js';
import { addRange, formatRange, segments, type PortRange, type PortUniverse } from './ports.js';

type Direction = 'ingress' | 'egress';

/** What one endpoint's own policy for one direction sees of the flows it judges. */
interface ChainView {
  /** The address tests its rules make (of either end), ascending. */
  tests: number[];
  cuts: PortCuts;
  /**
   * Projection id of each class seen through these rules (-1 until asked), and a class with each
   * projection. Kept here, not per view: every view of the chain sees the other end the same way.
   */
  projections: Int32Array;
  others: number[];
  byKey: Map<string, number>;
}

/** One direction's view of a class: its chain, its own side of the tests, and a class that has it. */
interface View {
  chain: ChainView;
  owner: number;
  /** The answer (id of allowed ranges) for each projection of the other end, once decided. */
  answers: number[];
}

/**
 * With no host endpoint anywhere and every pod on IPv4, a pod-to-pod flow crosses exactly two
 * chains: the source's egress and the destination's ingress (flow.ts's walk), and it is allowed
 * when both allow it. So the answer for a pair of classes is the intersection of two halves, and
 * each half depends on much less than the pair: the source's egress on its chain and its own
 * address tests, and on the destination only through the tests and named ports that chain uses.
 * Thousands of classes then share a few hundred halves, each decided once per port segment by
 * the same chain walk a probe runs.
 */
export class FactoredVerdicts {
  private readonly peers: Peer[] = [];
  private readonly chainViews = new Map<string, ChainView>();
  private readonly views: Record<Direction, View[]> = { egress: [], ingress: [] };
  /** View id of each class, per direction. */
  private readonly viewOf: Record<Direction, Int32Array>;
  /** Allowed ranges per universe protocol, interned: id → ranges, key → id. */
  private readonly halves: PortRange[][][] = [];
  private readonly halfIds = new Map<string, number>();
  /** Intersections, by egress half then ingress half (arrays: this is read for every pair of classes). */
  private readonly combined: (readonly string[] | undefined)[][] = [];
  private readonly protocols: number[];
  /** Chain walks made: one per half and port segment. */
  evaluations = 0;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly classes: EndpointClasses,
    private readonly universe: PortUniverse,
  ) {
    this.protocols = [...universe.keys()];
    const C = classes.members.length;
    this.viewOf = { egress: new Int32Array(C), ingress: new Int32Array(C) };
    for (const direction of ['egress', 'ingress'] as const) {
      const byKey = new Map<string, number>();
      for (let c = 0; c < C; c++) {
        const rep = this.rep(c);
        const chain = compiledChainFor(snapshot, rep, direction, 'normal', false);
        const chainKey = `${chain.groups.map((g) => this.nameOf(g)).join('.')}\u0000${rep.profiles.join('\u0001')}`;
        let chainView = this.chainViews.get(`${direction}${chainKey}`);
        if (!chainView) this.chainViews.set(`${direction}${chainKey}`, (chainView = this.chainView(chain.groups, rep, direction)));
        // Its own addresses' tests; on ingress also its named ports, which its rules' destination ports resolve on.
        const key = `${chainKey}\u0000${this.testsOf(c, chainView)}${direction === 'ingress' ? `\u0000${this.namedPorts(rep, chainView)}` : ''}`;
        let view = byKey.get(key);
        if (view === undefined) {
          byKey.set(key, (view = this.views[direction].length));
          this.views[direction].push({ chain: chainView, owner: c, answers: [] });
        }
        this.viewOf[direction][c] = view;
      }
    }
  }

  /** Whether the factoring holds for this snapshot. */
  static applies(snapshot: Snapshot, classes: EndpointClasses): boolean {
    return !hasHostEndpoints(snapshot) && classes.endpoints.every((e) => e.ips.some((ip) => ip.family === 4));
  }

  /** Allowed entries from class a to class b (two distinct members of them). */
  between(a: number, b: number): readonly string[] {
    const egress = this.half('egress', this.viewOf.egress[a]!, b);
    const ingress = this.half('ingress', this.viewOf.ingress[b]!, a);
    const row = (this.combined[egress] ??= []);
    return (row[ingress] ??= this.intersect(this.halves[egress]!, this.halves[ingress]!));
  }

  private nameOf(object: object): number {
    const ids = (this.objectIds ??= new WeakMap());
    let id = ids.get(object);
    if (id === undefined) ids.set(object, (id = this.nextObjectId++));
    return id;
  }
  private objectIds?: WeakMap<object, number>;
  private nextObjectId = 0;

  private rep(c: number): Endpoint {
    return this.classes.endpoints[this.classes.members[c]![0]!]!;
  }

  private peer(c: number): Peer {
    // Every endpoint has an IPv4 address here, so IPv4 is the family of every flow.
    return (this.peers[c] ??= resolvePeer(this.snapshot, this.rep(c).id, 'to', 4));
  }

  private chainView(groups: Parameters<typeof chainRules>[1], rep: Endpoint, direction: Direction): ChainView {
    const rules = chainRules(this.snapshot, groups, rep, direction);
    const tests = new Set<number>();
    for (const rule of rules) for (const [key] of [...entityTests(rule.source), ...entityTests(rule.destination)]) tests.add(this.classes.testIndex.get(key)!);
    return { tests: [...tests].sort((a, b) => a - b), cuts: cutsOf(rules), projections: new Int32Array(this.classes.members.length).fill(-1), others: [], byKey: new Map() };
  }

  /**
   * Which of the chain's tests a class's IPv4 address passes, one character per test: read for
   * every chain and class, so it walks the chain's few tests, not the class's many.
   */
  private testsOf(c: number, view: ChainView): string {
    if (view.tests.length === 0) return '';
    const passed = (this.passedSets[c] ??= new Set(this.classes.passed[this.classes.members[c]![0]!]!.filter((t) => (t & 1) === 0).map((t) => t >> 1)));
    let key = '';
    for (const t of view.tests) key += passed.has(t) ? '1' : '0';
    return key;
  }
  /** Per class, the tests its representative's IPv4 address passes. */
  private readonly passedSets: Set<number>[] = [];

  private namedPorts(endpoint: Endpoint, view: ChainView): string {
    if (view.cuts.names.size === 0) return '';
    return endpoint.ports
      .filter((p) => view.cuts.names.has(p.name))
      .map((p) => `${p.name}/${p.protocol}/${p.port}`)
      .sort()
      .join(',');
  }

  /** The answer of a view for the other end's class, decided the first time its projection is met. */
  private half(direction: Direction, v: number, other: number): number {
    const view = this.views[direction][v]!;
    const chain = view.chain;
    let projection = chain.projections[other]!;
    if (projection < 0) {
      // On egress the other end is the destination, whose named ports the rules resolve on.
      const key = `${this.testsOf(other, chain)}${direction === 'egress' ? `\u0000${this.namedPorts(this.rep(other), chain)}` : ''}`;
      const known = chain.byKey.get(key);
      projection = known ?? chain.others.push(other) - 1;
      if (known === undefined) chain.byKey.set(key, projection);
      chain.projections[other] = projection;
    }
    let answer = view.answers[projection];
    if (answer === undefined) view.answers[projection] = answer = this.decide(direction, view, chain.others[projection]!);
    return answer;
  }

  private decide(direction: Direction, view: View, otherClass: number): number {
    const owner = this.peer(view.owner);
    const other = this.peer(otherClass);
    const [src, dst] = direction === 'egress' ? [owner, other] : [other, owner];
    const packet: Packet = { protocol: 0, ipVersion: 4, src, dst };
    const ranges = this.protocols.map((protocol) => {
      packet.protocol = protocol;
      const allowed: PortRange[] = [];
      for (const segment of segments(this.universe.get(protocol)!, cutsFor(this.snapshot, [view.chain.cuts], protocol, dst.endpoint!))) {
        packet.dstPort = segment.min;
        this.evaluations++;
        if (workloadChainAllows(this.snapshot, owner.endpoint!, direction, packet)) addRange(allowed, segment);
      }
      return allowed;
    });
    const key = ranges.map((list) => list.map((r) => `${r.min}-${r.max}`).join(',')).join('|');
    let id = this.halfIds.get(key);
    if (id === undefined) {
      this.halfIds.set(key, (id = this.halves.length));
      this.halves.push(ranges);
    }
    return id;
  }

  private intersect(a: PortRange[][], b: PortRange[][]): readonly string[] {
    const entries: string[] = [];
    this.protocols.forEach((protocol, p) => {
      const x = a[p]!;
      const y = b[p]!;
      for (let i = 0, j = 0; i < x.length && j < y.length;) {
        const min = Math.max(x[i]!.min, y[j]!.min);
        const max = Math.min(x[i]!.max, y[j]!.max);
        if (min <= max) entries.push(formatRange(protocol, { min, max }));
        if (x[i]!.max < y[j]!.max) i++;
        else j++;
      }
    });
    return entries;
  }
}
