import type { CompiledRule, Endpoint } from '../snapshot/types.js';
import { compiledChainFor } from '../eval/chain.js';
import { evaluateFlow } from '../eval/flow.js';
import { FlowError, resolvePeer, type Peer } from '../eval/peers.js';
import type { Snapshot } from '../eval/snapshot.js';
import { endpointClasses, hasHostEndpoints, type EndpointClasses } from './classes.js';
import { FactoredVerdicts } from './halves.js';
import { chainRules, cutsFor, cutsOf, type PortCuts } from './cuts.js';
import { addRange, ALL_PORTS, formatRange, segments, type PortRange, type PortUniverse } from './ports.js';

export interface AllPairsOptions {
  /** The protocols and destination ports to answer for; every TCP, UDP and SCTP port by default. */
  ports?: PortUniverse;
}

/** Reachability of one namespace from another: how many pod pairs, how many can connect at all, and on what. */
export interface NamespacePairSummary {
  fromNamespace: string;
  toNamespace: string;
  pairs: number;
  /** Pairs with at least one allowed port. */
  connected: number;
  /** Each allowed entry (`TCP/80`, `TCP/8000-8080`) and the number of pairs it is allowed between. */
  allowed: Record<string, number>;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A whole cluster's pod-to-pod reachability, decided by equivalence classes: one answer for each
 * pair of classes, never one per pair of pods. When a flow crosses only the source's egress and
 * the destination's ingress (no host endpoints, IPv4 everywhere), the answer is the intersection
 * of those two halves, each decided once per view (halves.ts); otherwise it is `evaluateFlow`,
 * the entry point a single probe uses, once per pair of classes and port segment. Either way the
 * chain code is the evaluator's own. Answers are computed on first use and kept.
 */
export class AllPairs {
  readonly classes: EndpointClasses;
  private wholeFlows = 0;
  private readonly universe: PortUniverse;
  /** Answers by class pair, when they are not factored into halves. */
  private answers?: (readonly string[] | undefined)[];
  private readonly factored?: FactoredVerdicts;
  private readonly peers: (Peer | undefined)[] = [];
  /** By chain object, then the endpoint's profiles (which end the chain). */
  private readonly cutsByChain = new Map<object, Map<string, PortCuts>>();
  private readonly hostEndpoints: boolean;

  constructor(
    private readonly snapshot: Snapshot,
    options: AllPairsOptions = {},
  ) {
    this.universe = options.ports ?? ALL_PORTS;
    this.classes = endpointClasses(snapshot);
    if (FactoredVerdicts.applies(snapshot, this.classes)) this.factored = new FactoredVerdicts(snapshot, this.classes, this.universe);
    this.hostEndpoints = hasHostEndpoints(snapshot);
  }

  /** How answers are decided: from the two halves of a flow (no host endpoints, IPv4 everywhere), or a whole flow per pair of classes. */
  get method(): 'halves' | 'whole-flows' {
    return this.factored ? 'halves' : 'whole-flows';
  }

  /** Chain walks or whole flows decided so far: one per half (or class pair) and port segment. */
  get evaluations(): number {
    return this.wholeFlows + (this.factored?.evaluations ?? 0);
  }

  get classCount(): number {
    return this.classes.members.length;
  }

  /** What one endpoint may open to another (by index in `classes.endpoints`): allowed entries such as `TCP/80`, empty when nothing. */
  allowed(from: number, to: number): readonly string[] {
    if (from === to) throw new RangeError('an endpoint is not a pair with itself');
    return this.between(this.classes.classOf[from]!, this.classes.classOf[to]!);
  }

  /** Calls back for every ordered pair of distinct endpoints, sorted by source then destination id. */
  forEachPair(visit: (from: Endpoint, to: Endpoint, allowed: readonly string[], toIndex: number) => void): void {
    for (let i = 0; i < this.classes.endpoints.length; i++) this.forEachFrom(i, visit);
  }

  /** The same for the pairs from one endpoint (by index), so a writer can wait for its output between sources. */
  forEachFrom(from: number, visit: (from: Endpoint, to: Endpoint, allowed: readonly string[], toIndex: number) => void): void {
    const { endpoints, classOf } = this.classes;
    const row = this.rowOf(classOf[from]!);
    const source = endpoints[from]!;
    for (let j = 0; j < endpoints.length; j++) if (j !== from) visit(source, endpoints[j]!, row[classOf[j]!]!, j);
  }

  /** Answers from one class to every class, kept for the next source (replicas sort next to each other). */
  private rowOf(a: number): readonly (readonly string[])[] {
    if (this.lastRow?.from === a) return this.lastRow.answers;
    const members = this.classes.members;
    // A class of one has no pair with itself: its slot is never read.
    const answers = members.map((list, b) => (a === b && list.length < 2 ? NONE : this.between(a, b)));
    this.lastRow = { from: a, answers };
    return answers;
  }
  private lastRow?: { from: number; answers: readonly (readonly string[])[] };

  /** Per namespace pair, from class sizes: no pair is visited one by one. */
  summary(): NamespacePairSummary[] {
    const { endpoints, members } = this.classes;
    const namespaces = [...new Set(endpoints.map((e) => e.namespace ?? ''))].sort();
    const nsIndex = new Map(namespaces.map((ns, i) => [ns, i]));
    const N = namespaces.length;
    // Per class, flattened pairs of (namespace index, members in it).
    const counts = members.map((list) => {
      const byNamespace = new Map<number, number>();
      for (const i of list) {
        const ns = nsIndex.get(endpoints[i]!.namespace ?? '')!;
        byNamespace.set(ns, (byNamespace.get(ns) ?? 0) + 1);
      }
      return [...byNamespace].flat();
    });
    const pairs = new Float64Array(N * N);
    const connected = new Float64Array(N * N);
    // Per namespace pair, pairs by answer (answers are shared arrays, so identity counts them together).
    const byAnswer = new Map<number, Map<readonly string[], number>>();
    const C = members.length;
    for (let a = 0; a < C; a++) {
      const ca = counts[a]!;
      for (let b = 0; b < C; b++) {
        const cb = counts[b]!;
        let allowed: readonly string[] | undefined;
        for (let p = 0; p < ca.length; p += 2) {
          for (let q = 0; q < cb.length; q += 2) {
            const x = ca[p]!;
            const y = cb[q]!;
            const n = a === b && x === y ? ca[p + 1]! * (ca[p + 1]! - 1) : ca[p + 1]! * cb[q + 1]!;
            if (n === 0) continue;
            allowed ??= this.between(a, b);
            const cell = x * N + y;
            pairs[cell] = pairs[cell]! + n;
            if (allowed.length === 0) continue;
            connected[cell] = connected[cell]! + n;
            let answers = byAnswer.get(cell);
            if (!answers) byAnswer.set(cell, (answers = new Map()));
            answers.set(allowed, (answers.get(allowed) ?? 0) + n);
          }
        }
      }
    }
    const rows: NamespacePairSummary[] = [];
    for (let cell = 0; cell < N * N; cell++) {
      if (pairs[cell] === 0) continue;
      const allowed: Record<string, number> = {};
      for (const [entries, n] of byAnswer.get(cell) ?? []) for (const entry of entries) allowed[entry] = (allowed[entry] ?? 0) + n;
      rows.push({ fromNamespace: namespaces[Math.floor(cell / N)]!, toNamespace: namespaces[cell % N]!, pairs: pairs[cell]!, connected: connected[cell]!, allowed });
    }
    return rows;
  }

  /** The answer for a pair of classes, from two distinct members of them. */
  private between(a: number, b: number): readonly string[] {
    if (this.factored) return this.factored.between(a, b);
    this.answers ??= new Array<readonly string[] | undefined>(this.classes.members.length ** 2);
    const slot = a * this.classes.members.length + b;
    const known = this.answers[slot];
    if (known) return known;
    const src = this.classes.members[a]![0]!;
    const dst = a === b ? this.classes.members[b]![1] : this.classes.members[b]![0];
    if (dst === undefined) throw new RangeError(`class ${a} has one member: it forms no pair with itself`);
    const answer = this.decide(src, dst);
    this.answers[slot] = answer;
    return answer;
  }

  private peer(index: number): Peer {
    let peer = this.peers[index];
    if (!peer) this.peers[index] = peer = resolvePeer(this.snapshot, this.classes.endpoints[index]!.id, 'from');
    return peer;
  }

  private decide(src: number, dst: number): readonly string[] {
    const from = this.peer(src);
    let to: Peer;
    try {
      to = resolvePeer(this.snapshot, this.classes.endpoints[dst]!.id, 'to', from.ip.family);
    } catch (error) {
      // No address of the source's family: nothing can be opened.
      if (error instanceof FlowError) return NONE;
      throw error;
    }
    const entries: string[] = [];
    for (const [protocol, ranges] of this.universe) {
      const allowed: PortRange[] = [];
      for (const segment of segments(ranges, this.cuts(from, to, protocol))) {
        this.wholeFlows++;
        if (evaluateFlow(this.snapshot, { from, to, protocol, port: segment.min }).allowed) addRange(allowed, segment);
      }
      for (const range of allowed) entries.push(formatRange(protocol, range));
    }
    return entries.length ? entries : NONE;
  }

  /** The ports at which some rule that could see this flow starts or stops matching. */
  private cuts(from: Peer, to: Peer, protocol: number): number[] {
    const src = from.endpoint!;
    const dst = to.endpoint!;
    const parts = this.hostEndpoints ? [this.allRules()] : [this.chainCuts(src, 'egress'), this.chainCuts(dst, 'ingress')];
    const cuts = cutsFor(this.snapshot, parts, protocol, dst);
    if (this.hostEndpoints) {
      for (const node of [from.node?.name, to.node?.name]) {
        const felix = this.snapshot.felix(node);
        for (const f of [...felix.failsafeInbound, ...felix.failsafeOutbound]) if (f.protocol === protocol) cuts.push(f.port, f.port + 1);
      }
    }
    return cuts;
  }

  /** The cuts of the rules an endpoint's chain for one direction can run: its tiers' and its profiles'. */
  private chainCuts(endpoint: Endpoint, direction: 'ingress' | 'egress'): PortCuts {
    const chain = compiledChainFor(this.snapshot, endpoint, direction, 'normal', false);
    let byProfiles = this.cutsByChain.get(chain);
    if (!byProfiles) this.cutsByChain.set(chain, (byProfiles = new Map()));
    const profilesKey = endpoint.profiles.join('\u0000');
    let cuts = byProfiles.get(profilesKey);
    if (!cuts) byProfiles.set(profilesKey, (cuts = cutsOf(chainRules(this.snapshot, chain.groups, endpoint, direction))));
    return cuts;
  }

  private allRulesCuts?: PortCuts;
  private allRules(): PortCuts {
    if (!this.allRulesCuts) {
      const rules: CompiledRule[] = [];
      for (const p of this.snapshot.policies) rules.push(...p.ingress, ...p.egress);
      for (const p of this.snapshot.profiles.values()) rules.push(...p.ingress, ...p.egress);
      this.allRulesCuts = cutsOf(rules);
    }
    return this.allRulesCuts;
  }
}
