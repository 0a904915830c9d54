import { PROTOCOL_NUMBERS } from '../numorstring/index.js';
import { cidrContains, type IpFamily } from '../net/index.js';
import type { Endpoint, NodeInfo } from '../snapshot/types.js';
import type { Snapshot } from './snapshot.js';
import { NO_LOGS, walkTiers, type ChainResult, type Decision, type Direction, type Stage } from './chain.js';
import { protocolName, ruleMismatch, type Packet } from './match.js';
import { FlowError, resolvePeer, uplinkHostEndpoint, type Peer } from './peers.js';

export interface FlowSpec {
  /**
   * "namespace/pod", "hep:node/name", "host:node" or an IP address; or a peer resolvePeer()
   * returned for this snapshot (what a caller evaluating many flows between the same endpoints,
   * such as a flow log pipeline, resolves once).
   */
  from: string | Peer;
  to: string | Peer;
  /** A name (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or a number 1-255. */
  protocol: string | number;
  port?: number;
  sourcePort?: number;
  icmp?: { type: number; code?: number };
  ipVersion?: IpFamily;
}

export interface EvaluateOptions {
  explain?: boolean;
}

export interface FlowVerdict {
  allowed: boolean;
  /** Every chain the packet crossed, in order. */
  stages: ChainResult[];
  /** The source endpoint's egress policy (absent for a source with no endpoint, such as an external address). */
  egress?: ChainResult;
  /** The destination endpoint's ingress policy. */
  ingress?: ChainResult;
  /** The stage that denied the flow. */
  deniedAt?: ChainResult;
  /** Untracked (doNotTrack) allows need the reply allowed too; these chains judged the reply. */
  replyStages?: ChainResult[];
}

export interface FlowResult extends FlowVerdict {
  from: Peer;
  to: Peer;
  protocol: number;
  port?: number;
  /** The verdict as if every staged policy were in force (present when the snapshot has staged policies). */
  pending?: FlowVerdict & { differs: boolean };
}

const BY_LOWER_NAME = new Map(Object.entries(PROTOCOL_NUMBERS).flatMap(([name, n]) => [[name, n] as const, [name.toLowerCase(), n] as const]));

function protocolNumberOf(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 255) throw new FlowError('protocol', `protocol number ${value} is out of range: use 1 to 255`);
    return value;
  }
  const known = BY_LOWER_NAME.get(value) ?? BY_LOWER_NAME.get(value.toLowerCase());
  if (known !== undefined) return known;
  if (/^[0-9]+$/.test(value)) return protocolNumberOf(Number(value));
  throw new FlowError('protocol', `unknown protocol ${JSON.stringify(value)}: use TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number from 1 to 255`);
}

function newResult(endpoint: Endpoint, direction: Direction, stage: Stage, explain: boolean): ChainResult {
  const result: ChainResult = { endpoint: endpoint.id, direction, stage, verdict: 'continue', logs: NO_LOGS };
  if (explain) result.trace = [{ step: 'stage', endpoint: endpoint.id, direction, stage }];
  return result;
}

/** Records a decision; the reason is only spelled out (a function, so the fast path builds no string) when explaining. */
function finish(result: ChainResult, verdict: 'allow' | 'deny', decidedBy: Decision, reason: () => string): ChainResult {
  result.verdict = verdict;
  result.decidedBy = decidedBy;
  result.trace?.push({ step: 'verdict', verdict, reason: reason() });
  return result;
}

interface Context {
  snapshot: Snapshot;
  packet: Packet;
  explain: boolean;
  pending: boolean;
}

/** A workload's own policy: tiers, then its profiles; no allowing profile means drop. */
function workloadChain(ctx: Context, endpoint: Endpoint, direction: Direction): ChainResult {
  const result = newResult(endpoint, direction, 'normal', ctx.explain);
  if (walkTiers(ctx.snapshot, endpoint, direction, 'normal', ctx.packet, ctx, result)) {
    result.trace?.push({ step: 'verdict', verdict: result.verdict, reason: describe(result.decidedBy!) });
    return result;
  }
  return profiles(ctx, endpoint, direction, result);
}

/**
 * One workload's own policy for one direction, tiers then profiles, exactly as the walk runs it:
 * with no host endpoint on the way, a pod-to-pod flow is allowed when the source's egress and the
 * destination's ingress both allow it, which lets all-pairs answers decide the two halves apart.
 */
export function workloadChainAllows(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, packet: Packet): boolean {
  return workloadChain({ snapshot, packet, explain: false, pending: false }, endpoint, direction).verdict === 'allow';
}

function profiles(ctx: Context, endpoint: Endpoint, direction: Direction, result: ChainResult): ChainResult {
  for (const name of endpoint.profiles) {
    const profile = ctx.snapshot.profiles.get(name);
    if (!profile) continue;
    for (const rule of direction === 'ingress' ? profile.ingress : profile.egress) {
      const mismatch = ruleMismatchOf(ctx, rule);
      result.trace?.push({ step: 'profile', profile: name, rule: rule.index, action: rule.action, matched: mismatch === undefined, ...(mismatch !== undefined ? { reason: mismatch } : {}) });
      if (mismatch !== undefined || rule.action === 'Log' || rule.action === 'Pass') continue;
      const action = rule.action;
      return finish(
        result,
        action === 'Allow' ? 'allow' : 'deny',
        { kind: 'profile', profile: name, rule: rule.index, action },
        () => `profile ${name} ${action === 'Allow' ? 'allows' : 'denies'} it${name.startsWith('kns.') ? ' (the namespace profile of a Kubernetes pod allows everything no policy decided)' : ''}`,
      );
    }
  }
  return finish(result, 'deny', { kind: 'no-profile' }, () => (endpoint.kind === 'host' ? 'no policy or profile allowed it: host endpoints deny by default' : 'no profile allowed it'));
}

function ruleMismatchOf(ctx: Context, rule: Parameters<typeof ruleMismatch>[1]): string | undefined {
  return ruleMismatch(ctx.snapshot, rule, ctx.packet, ctx.explain);
}

/** A host endpoint's untracked or pre-DNAT stage: decides only on an explicit Allow or Deny. */
function earlyStage(ctx: Context, hep: Endpoint, direction: Direction, stage: 'doNotTrack' | 'preDNAT'): ChainResult | undefined {
  const result = newResult(hep, direction, stage, ctx.explain);
  if (walkTiers(ctx.snapshot, hep, direction, stage, ctx.packet, ctx, result)) {
    result.trace?.push({ step: 'verdict', verdict: result.verdict, reason: describe(result.decidedBy!) });
    return result;
  }
  return undefined;
}

/**
 * Pre-DNAT policy of a node's all-interfaces ("*") host endpoint. Felix dispatches every packet
 * arriving at the node to it, from the node's own workload interfaces too (the from-host-endpoint
 * dispatch sends any interface no named endpoint claims to the "*" endpoint), and mangle
 * PREROUTING runs before the workload's egress policy in filter INPUT or FORWARD. Only a Deny
 * changes the outcome: an Allow still leaves the packet to the workload's egress policy and, to
 * the host, defaultEndpointToHostAction.
 */
function allInterfacesPreDnat(ctx: Context, node: NodeInfo | undefined): ChainResult | undefined {
  const hep = uplinkHostEndpoint(ctx.snapshot, node);
  if (hep?.interfaceName !== '*') return undefined;
  const result = earlyStage(ctx, hep, 'ingress', 'preDNAT');
  return result?.verdict === 'deny' ? result : undefined;
}

function failsafe(ctx: Context, node: string | undefined, direction: Direction): { protocol: number; port: number } | undefined {
  const felix = ctx.snapshot.felix(node);
  const list = direction === 'ingress' ? felix.failsafeInbound : felix.failsafeOutbound;
  const port = ctx.packet.dstPort;
  const remote = direction === 'ingress' ? ctx.packet.src.ip : ctx.packet.dst.ip;
  return list.find((f) => f.protocol === ctx.packet.protocol && f.port === port && (!f.net || (f.net.family === remote.family && cidrContains(f.net, remote))));
}

/** Traffic to or from the host itself, at a host endpoint: failsafe ports, then policy, then profiles, else deny. */
function hostChain(ctx: Context, hep: Endpoint, direction: Direction): ChainResult {
  const result = newResult(hep, direction, 'normal', ctx.explain);
  const safe = failsafe(ctx, hep.node, direction);
  if (safe)
    return finish(
      result,
      'allow',
      { kind: 'failsafe', ...safe },
      () => `${protocolName(safe.protocol)} port ${safe.port} is a failsafe ${direction === 'ingress' ? 'inbound' : 'outbound'} port: always allowed so the host stays reachable`,
    );
  if (walkTiers(ctx.snapshot, hep, direction, 'normal', ctx.packet, ctx, result)) {
    result.trace?.push({ step: 'verdict', verdict: result.verdict, reason: describe(result.decidedBy!) });
    return result;
  }
  return profiles(ctx, hep, direction, result);
}

/** Forwarded traffic crossing a host endpoint: applyOnForward policy only; allowed when none applies. */
function forwardChain(ctx: Context, hep: Endpoint, direction: Direction): ChainResult {
  const result = newResult(hep, direction, 'forward', ctx.explain);
  if (walkTiers(ctx.snapshot, hep, direction, 'forward', ctx.packet, ctx, result)) {
    result.trace?.push({ step: 'verdict', verdict: result.verdict, reason: describe(result.decidedBy!) });
    return result;
  }
  const applied = result.trace?.some((t) => t.step === 'tier' && t.applies) ?? false;
  return finish(result, 'allow', { kind: 'no-policy', note: 'forwarded' }, () =>
    applied ? 'no applyOnForward rule decided: forwarded traffic is allowed' : 'no applyOnForward policy applies: forwarded traffic is allowed by default',
  );
}

export function describe(decision: Decision): string {
  switch (decision.kind) {
    case 'rule':
      return `rule ${decision.rule} (${decision.action}) of ${decision.policy} in tier ${decision.tier}`;
    case 'end-of-tier':
      return `the end of tier ${decision.tier}: policies applied but none allowed, default action Deny`;
    case 'profile':
      return `profile ${decision.profile} rule ${decision.rule} (${decision.action})`;
    case 'no-profile':
      return 'no policy or profile allowed it (default deny)';
    case 'no-policy':
      return decision.note;
    case 'failsafe':
      return `failsafe port ${protocolName(decision.protocol)}/${decision.port}`;
    case 'endpoint-to-host':
      return `defaultEndpointToHostAction ${decision.action}`;
    case 'host-to-local-workload':
      return 'traffic from a host to its own workloads is always allowed';
  }
}

/** Adds a stage's result to the verdict; false when it denied the packet. */
function record(verdict: FlowVerdict, result: ChainResult | undefined): boolean {
  if (!result) return true;
  verdict.stages.push(result);
  if (result.verdict === 'deny') {
    verdict.deniedAt = result;
    return false;
  }
  return true;
}

/** The stages a packet crosses from source to destination, and the verdict of each. */
function walk(ctx: Context): FlowVerdict {
  const { snapshot, packet } = ctx;
  const src = packet.src;
  const dst = packet.dst;
  const verdict: FlowVerdict = { allowed: false, stages: [] };
  const run = (result: ChainResult | undefined): boolean => record(verdict, result);
  const srcNode = src.node;
  const dstNode = dst.node;
  const sameNode = srcNode !== undefined && srcNode === dstNode;

  // 1. Leaving the source.
  if (src.kind === 'workload' && src.endpoint) {
    if (!run(allInterfacesPreDnat(ctx, srcNode))) return verdict;
    const egress = workloadChain(ctx, src.endpoint, 'egress');
    verdict.egress = egress;
    if (!run(egress)) return verdict;
    if (dst.kind === 'host' && sameNode) {
      // A workload talking to its own host: Felix's defaultEndpointToHostAction decides, or (Return) the host's policy.
      const action = snapshot.felix(srcNode?.name).defaultEndpointToHostAction;
      if (action !== 'Return') {
        const result = newResult(src.endpoint, 'egress', 'normal', ctx.explain);
        result.trace?.push({ step: 'verdict', verdict: action === 'Accept' ? 'allow' : 'deny', reason: `workload to its own host: defaultEndpointToHostAction is ${action}` });
        result.verdict = action === 'Accept' ? 'allow' : 'deny';
        result.decidedBy = { kind: 'endpoint-to-host', action };
        if (!run(result)) return verdict;
        verdict.allowed = true;
        return verdict;
      }
      const hep = dst.endpoint ?? uplinkHostEndpoint(snapshot, dstNode);
      if (hep) {
        const ingress = hostChain(ctx, hep, 'ingress');
        verdict.ingress = ingress;
        if (!run(ingress)) return verdict;
      }
      verdict.allowed = true;
      return verdict;
    }
  } else if (src.kind === 'host' && src.endpoint && !(dst.kind === 'workload' && sameNode)) {
    // A host process sending off the host: untracked stage, then the host endpoint's egress policy.
    // What untracked policy allowed skips the tracked stage (Felix accepts it in filter OUTPUT at once).
    const untracked = earlyStage(ctx, src.endpoint, 'egress', 'doNotTrack');
    const egress = untracked ?? hostChain(ctx, src.endpoint, 'egress');
    verdict.egress = egress;
    if (!run(egress)) return verdict;
  }

  // 2. Leaving the source node through its uplink, when the packet is forwarded off it.
  if (src.kind === 'workload' && srcNode && !sameNode) {
    const uplink = uplinkHostEndpoint(snapshot, srcNode);
    if (uplink) {
      if (!run(earlyStage(ctx, uplink, 'egress', 'doNotTrack'))) return verdict;
      if (!run(forwardChain(ctx, uplink, 'egress'))) return verdict;
    }
  }

  // 3. Arriving at the destination node through its uplink.
  if ((dst.kind === 'workload' || dst.kind === 'host') && dstNode && !sameNode) {
    const uplink = dst.kind === 'host' ? (dst.endpoint ?? uplinkHostEndpoint(snapshot, dstNode)) : uplinkHostEndpoint(snapshot, dstNode);
    if (uplink) {
      const untracked = earlyStage(ctx, uplink, 'ingress', 'doNotTrack');
      if (untracked && dst.kind === 'host') verdict.ingress = untracked;
      if (!run(untracked)) return verdict;
      if (!untracked) {
        const preDnat = earlyStage(ctx, uplink, 'ingress', 'preDNAT');
        if (!run(preDnat)) return verdict;
        if (!preDnat) {
          const arrival = dst.kind === 'host' ? hostChain(ctx, uplink, 'ingress') : forwardChain(ctx, uplink, 'ingress');
          if (dst.kind === 'host') verdict.ingress = arrival;
          if (!run(arrival)) return verdict;
        }
      }
    }
  }

  // 4. Entering the destination workload.
  if (dst.kind === 'workload' && dst.endpoint) {
    if (src.kind === 'host' && sameNode) {
      const result = newResult(dst.endpoint, 'ingress', 'normal', ctx.explain);
      finish(result, 'allow', { kind: 'host-to-local-workload' }, () => 'traffic from a host to its own workloads is always allowed (kubelet probes)');
      verdict.ingress = result;
      run(result);
    } else {
      const ingress = workloadChain(ctx, dst.endpoint, 'ingress');
      verdict.ingress = ingress;
      if (!run(ingress)) return verdict;
    }
  }
  verdict.allowed = true;
  return checkUntrackedReplies(ctx, verdict);
}

/**
 * A packet a doNotTrack policy allowed is not tracked, so its reply is not let through by
 * connection tracking: it crosses the same host endpoint the other way as a new packet, first
 * through the untracked stage, then (when that decides nothing) through normal host policy.
 */
function checkUntrackedReplies(ctx: Context, verdict: FlowVerdict): FlowVerdict {
  const untrackedAllow = (s: ChainResult) => s.stage === 'doNotTrack' && s.verdict === 'allow';
  if (!verdict.stages.some(untrackedAllow)) return verdict;
  const untracked = verdict.stages.filter(untrackedAllow);
  const { packet } = ctx;
  const reply: Packet = {
    ...packet,
    src: packet.dst,
    dst: packet.src,
    ...(packet.dstPort !== undefined ? { srcPort: packet.dstPort } : {}),
    ...(packet.srcPort !== undefined ? { dstPort: packet.srcPort } : { dstPort: undefined }),
  };
  if (reply.dstPort === undefined) delete reply.dstPort;
  if (reply.srcPort === undefined) delete reply.srcPort;
  const replyCtx: Context = { ...ctx, packet: reply };
  verdict.replyStages = [];
  for (const stage of untracked) {
    const hep = ctx.snapshot.endpoints.get(stage.endpoint)!;
    const direction: Direction = stage.direction === 'ingress' ? 'egress' : 'ingress';
    const early = earlyStage(replyCtx, hep, direction, 'doNotTrack');
    const judged = early ?? hostChain(replyCtx, hep, direction);
    verdict.replyStages.push(judged);
    if (judged.verdict === 'deny') {
      verdict.allowed = false;
      verdict.deniedAt = judged;
      return verdict;
    }
  }
  return verdict;
}

/**
 * Decides a flow exactly as Calico would: the source's egress policy, any host endpoint stages on
 * the way (untracked, pre-DNAT, forwarded, to-host), and the destination's ingress policy. A
 * connection is allowed when every stage allows the first packet: connection tracking then lets
 * the replies through. With staged policies in the snapshot the result also says what the verdict
 * would be if they were in force (`pending`), without changing the verdict.
 */
export function evaluateFlow(snapshot: Snapshot, spec: FlowSpec, options: EvaluateOptions = {}): FlowResult {
  const protocol = protocolNumberOf(spec.protocol);
  const from = typeof spec.from === 'string' ? resolvePeer(snapshot, spec.from, 'from', spec.ipVersion) : spec.from;
  const to = typeof spec.to === 'string' ? resolvePeer(snapshot, spec.to, 'to', spec.ipVersion ?? from.ip.family) : spec.to;
  if (from.ip.family !== to.ip.family) throw new FlowError('to', `${from.label} is IPv${from.ip.family} but ${to.label} is IPv${to.ip.family}`);
  const hasPorts = protocol === 6 || protocol === 17 || protocol === 132 || protocol === 136;
  if (hasPorts && spec.port === undefined) throw new FlowError('port', `a ${protocolName(protocol)} flow needs a destination port`);
  if (spec.port !== undefined && (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)) throw new FlowError('port', `port ${spec.port} is out of range: use 1 to 65535`);
  if (spec.icmp && protocol !== 1 && protocol !== 58) throw new FlowError('icmp', 'ICMP type and code need protocol ICMP or ICMPv6');
  // Built field by field: this runs for every flow, and spreads allocate.
  const packet: Packet = { protocol, ipVersion: from.ip.family, src: from, dst: to };
  if (hasPorts && spec.port !== undefined) packet.dstPort = spec.port;
  if (hasPorts && spec.sourcePort !== undefined) packet.srcPort = spec.sourcePort;
  if (spec.icmp) {
    packet.icmpType = spec.icmp.type;
    if (spec.icmp.code !== undefined) packet.icmpCode = spec.icmp.code;
  }
  const explain = options.explain ?? false;
  const enforced = walk({ snapshot, packet, explain, pending: false });
  const result = enforced as FlowResult;
  result.from = from;
  result.to = to;
  result.protocol = protocol;
  if (packet.dstPort !== undefined) result.port = packet.dstPort;
  if (snapshot.indexes.staged > 0) {
    const pending = walk({ snapshot, packet, explain, pending: true });
    result.pending = { ...pending, differs: pending.allowed !== enforced.allowed || decisionKey(pending) !== decisionKey(enforced) };
  }
  return result;
}

function decisionKey(v: FlowVerdict): string {
  return v.stages.map((s) => `${s.endpoint}:${s.verdict}:${s.decidedBy ? describe(s.decidedBy) : ''}`).join('|');
}
