import type { EndpointIR, Family, IpSetIR, MatchIR, NodeIR, PolicyChainIR, RuleIR, StageIR, TupleSetIR } from './ir.js';
import { shortHash } from './ir.js';
import type { IrDiff } from './ir-diff.js';
import { countAllowed, countDenied, flowSetDeclarations, type FlowDecisions } from './nftables-flows.js';

// Renders a node's IR as one nftables transaction: the table is deleted and rebuilt in the same
// `nft -f` run, so the kernel switches from the old ruleset to the new one atomically.
//
// Verdicts flow through mark bits, as in Calico's iptables dataplane: a policy chain's Allow sets
// ACCEPT and returns (so a forwarded packet can still meet the destination's ingress policy), Pass
// sets PASS and returns, Deny drops. Every rule has a counter and a comment naming where it came
// from, so counters read back with `nft -j list table` map to tiers, policies and rules.

export const TABLE = 'palisade';
export const MARK = { accept: 0x10000, pass: 0x20000, untracked: 0x40000, preDNAT: 0x80000 } as const;
const CLEAR = (~(MARK.accept | MARK.pass) >>> 0).toString(16);
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
/** Workload interfaces; `*` host endpoints police every other interface but loopback. */
const WORKLOAD_WILDCARD = 'pal*';

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

function elements(items: string[]): string {
  return `{ ${items.join(', ')} }`;
}

function renderIpSet(set: IpSetIR): string {
  const type = set.family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  const members = set.members.length ? ` elements = ${elements(set.members)};` : '';
  return `  set ${set.id} { type ${type}; flags interval; auto-merge; comment ${quote(set.source.slice(0, 120))};${members} }`;
}

function renderTupleSet(set: TupleSetIR): string {
  const type = set.family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  const members = set.members.length ? ` elements = ${elements(set.members.map((m) => `${m.ip} . ${m.protocol} . ${m.port}`))};` : '';
  return `  set ${set.id} { type ${type} . inet_proto . inet_service; comment ${quote(set.source.slice(0, 120))};${members} }`;
}

const familyOf = (cidr: string): Family => (cidr.includes(':') ? 6 : 4);
const ports = (list: { min: number; max: number }[]) => elements(list.map((p) => (p.min === p.max ? String(p.min) : `${p.min}-${p.max}`)));

/** The families a rule has to be rendered for: nftables matches addresses per family. */
function families(rule: RuleIR): Family[] {
  if (rule.ipVersion) return [rule.ipVersion];
  if (rule.protocol === 1) return [4];
  if (rule.protocol === 58) return [6];
  const nets = [...(rule.src.nets ?? []), ...(rule.dst.nets ?? []), ...(rule.src.notNets ?? []), ...(rule.dst.notNets ?? [])];
  if (nets.length) return [familyOf(nets[0]!)];
  const needsAddress = [rule.src, rule.dst].some((m) => m.selector || m.notSelector || m.namedPorts || m.notNamedPorts || m.service || m.serviceAddresses);
  return needsAddress ? [4, 6] : [];
}

function matchExpr(m: MatchIR, side: 'saddr' | 'daddr', family: Family | undefined): string[] {
  const out: string[] = [];
  const ipKw = family === 6 ? 'ip6' : 'ip';
  const port = side === 'saddr' ? 'th sport' : 'th dport';
  if (m.nets) out.push(`${ipKw} ${side} ${elements(m.nets)}`);
  if (m.notNets) out.push(`${ipKw} ${side} != ${elements(m.notNets)}`);
  if (family && m.selector?.[family]) out.push(`${ipKw} ${side} @${m.selector[family]}`);
  if (family && m.notSelector?.[family]) out.push(`${ipKw} ${side} != @${m.notSelector[family]}`);
  if (family && m.serviceAddresses?.[family]) out.push(`${ipKw} ${side} @${m.serviceAddresses[family]}`);
  if (family && m.service?.[family]) out.push(`${ipKw} ${side} . meta l4proto . ${port} @${m.service[family]}`);
  if (m.ports) out.push(`${port} ${ports(m.ports)}`);
  if (family && m.namedPorts?.[family]) out.push(`${ipKw} ${side} . meta l4proto . ${port} @${m.namedPorts[family]}`);
  if (m.notPorts) out.push(`${port} != ${ports(m.notPorts)}`);
  if (family && m.notNamedPorts?.[family]) out.push(`${ipKw} ${side} . meta l4proto . ${port} != @${m.notNamedPorts[family]}`);
  return out;
}

function ruleMatches(rule: RuleIR, family: Family | undefined): string[] {
  const out: string[] = [];
  if (family && rule.ipVersion === undefined && families(rule).length === 2) out.push(`meta nfproto ${family === 4 ? 'ipv4' : 'ipv6'}`);
  if (rule.ipVersion) out.push(`meta nfproto ${rule.ipVersion === 4 ? 'ipv4' : 'ipv6'}`);
  if (rule.protocol !== undefined) out.push(`meta l4proto ${rule.protocol}`);
  if (rule.notProtocol !== undefined) out.push(`meta l4proto != ${rule.notProtocol}`);
  const icmpKw = rule.protocol === 58 || family === 6 ? 'icmpv6' : 'icmp';
  if (rule.icmp?.type !== undefined) out.push(`${icmpKw} type ${rule.icmp.type}`);
  if (rule.icmp?.code !== undefined) out.push(`${icmpKw} code ${rule.icmp.code}`);
  if (rule.notIcmp?.type !== undefined) {
    // "not (type T [and code C])": written as a type != T, or a code != C with the type.
    out.push(rule.notIcmp.code === undefined ? `${icmpKw} type != ${rule.notIcmp.type}` : `${icmpKw} type ${rule.notIcmp.type} ${icmpKw} code != ${rule.notIcmp.code}`);
  }
  // Ports need a transport header; a rule with ports but no protocol (named ports) matches the protocols that have ports.
  const hasPorts = [rule.src, rule.dst].some((m) => m.ports || m.notPorts || m.namedPorts || m.notNamedPorts || m.service);
  if (hasPorts && rule.protocol === undefined) out.push('meta l4proto { 6, 17, 132, 136 }');
  out.push(...matchExpr(rule.src, 'saddr', family), ...matchExpr(rule.dst, 'daddr', family));
  return out;
}

function verdictOf(rule: RuleIR, chain: PolicyChainIR, flowId?: number): string {
  switch (rule.action) {
    case 'Allow':
      if (chain.stage === 'untracked') return `meta mark set meta mark | ${hex(MARK.accept | MARK.untracked)} notrack return`;
      if (chain.stage === 'preDNAT') return `meta mark set meta mark | ${hex(MARK.accept | MARK.preDNAT)} return`;
      // With flow logs, the connection remembers which rule let it in.
      return `${flowId ? `ct mark set ${flowId} ` : ''}meta mark set meta mark | ${hex(MARK.accept)} return`;
    case 'Pass':
      return `meta mark set meta mark | ${hex(MARK.pass)} return`;
    case 'Deny':
      return 'drop';
    case 'Log':
      return `log prefix ${quote(chain.logPrefix)} level info`;
  }
}

export function ruleComment(chain: string, rule: number): string {
  return `pal|${chain}|${rule}`;
}

/**
 * The rule as nft matches it: Calico ORs a side's numeric and named ports, nft ANDs what one rule
 * lists, so a side with both becomes two rules, one per kind of port.
 */
function portVariants(rule: RuleIR): RuleIR[] {
  let out = [rule];
  for (const side of ['src', 'dst'] as const) {
    out = out.flatMap((r) => {
      const { ports, namedPorts, ...rest } = r[side];
      if (!ports || !namedPorts) return [r];
      return [
        { ...r, [side]: { ...rest, ports } },
        { ...r, [side]: { ...rest, namedPorts } },
      ];
    });
  }
  return out;
}

/** The sets a rule must find the packet in (for one family): if one is empty the rule cannot match. */
function requiredSets(rule: RuleIR, family: Family | undefined): string[] {
  if (!family) return [];
  return [rule.src, rule.dst].flatMap((m) => [m.selector?.[family], m.serviceAddresses?.[family], m.service?.[family], m.namedPorts?.[family]].filter((id): id is string => !!id));
}

function renderPolicyChain(chain: PolicyChainIR, isEmpty: (set: string) => boolean, flows?: FlowDecisions): string[] {
  const lines = [`  chain ${chain.id} {`, `    comment ${quote(`${chain.owner} ${chain.direction}`.slice(0, 120))}`];
  for (const rule of chain.rules) {
    const fams = families(rule);
    const comment = ruleComment(chain.id, rule.index);
    const flowId = flows && chain.stage === 'normal' && (rule.action === 'Allow' || rule.action === 'Deny') ? flows.idOf(comment) : undefined;
    for (const variant of portVariants(rule)) {
      for (const family of fams.length ? fams : [undefined]) {
        // A rule that needs an address in an empty set never matches: leaving it out halves a
        // single-stack node's ruleset (every selector rule has an empty other-family twin).
        if (requiredSets(variant, family).some(isEmpty)) continue;
        const matches = ruleMatches(variant, family);
        if (flowId && rule.action === 'Deny') lines.push(...countDenied(matches.join(' '), flowId));
        lines.push(`    ${[...matches, 'counter', verdictOf(rule, chain, flowId)].join(' ')} comment ${quote(comment)}`);
      }
    }
  }
  lines.push('  }');
  return lines;
}

/** Endpoint chain: tiers in order, the end-of-tier drops, then profiles (or, for some stages, a default). */
function renderStage(name: string, stage: StageIR, tail: 'profiles' | 'none' | 'allow-if-none', profiles: string[], prelude: string[] = [], flows?: FlowDecisions): string[] {
  const denied = (matches: string, comment: string) => {
    const id = flows?.idOf(comment);
    return id ? countDenied(matches, id) : [];
  };
  const lines = [`  chain ${name} {`, `    meta mark set meta mark & 0x${CLEAR}`, ...prelude.map((l) => `    ${l}`)];
  for (const tier of stage.tiers) {
    for (const policy of tier.policies) {
      lines.push(`    meta mark & ${hex(MARK.accept | MARK.pass)} == 0 jump ${policy}`);
      lines.push(`    meta mark & ${hex(MARK.accept)} != 0 return`);
    }
    if (tail !== 'none' && tier.defaultAction === 'Deny') {
      const comment = `pal|${name}|end|${tier.tier}`;
      lines.push(...denied(`meta mark & ${hex(MARK.pass)} == 0`, comment));
      lines.push(`    meta mark & ${hex(MARK.pass)} == 0 counter drop comment ${quote(comment)}`);
    }
    lines.push(`    meta mark set meta mark & 0x${(~MARK.pass >>> 0).toString(16)}`);
  }
  if (tail === 'profiles') {
    for (const profile of profiles) {
      lines.push(`    jump ${profile}`);
      lines.push(`    meta mark & ${hex(MARK.accept)} != 0 return`);
    }
    lines.push(...denied('', `pal|${name}|noprofile`));
    lines.push(`    counter drop comment ${quote(`pal|${name}|noprofile`)}`);
  } else if (tail === 'allow-if-none') {
    lines.push(`    meta mark set meta mark | ${hex(MARK.accept)} counter return comment ${quote(`pal|${name}|default`)}`);
  }
  lines.push('  }');
  return lines;
}

const chainName = (prefix: string, endpoint: EndpointIR) => `${prefix}-${shortHash(endpoint.id)}`;
const profileChains = (ir: NodeIR, endpoint: EndpointIR, direction: 'i' | 'e') =>
  endpoint.profiles.map((p) => Object.values(ir.chains).find((c) => c.owner === `profile/${p}` && c.id.startsWith(`r${direction}`))!.id);

function failsafeRules(list: NodeIR['felix']['failsafeInbound'], side: 'saddr' | 'daddr', chain: string): string[] {
  return list.map((f, i) => {
    const net = f.net ? `${familyOf(f.net) === 6 ? 'ip6' : 'ip'} ${side} ${f.net} ` : '';
    return `${net}meta l4proto ${f.protocol} th dport ${f.port} counter accept comment ${quote(`pal|${chain}|failsafe|${i}`)}`;
  });
}

function emptySets(ir: NodeIR): (set: string) => boolean {
  return (id) => (ir.ipSets[id] ?? ir.tupleSets[id])?.members.length === 0;
}

export interface RenderOptions {
  /** Render flow accounting (see nftables-flows.ts); the ids it assigns are recorded here. */
  flows?: FlowDecisions;
}

/** Renders the node's ruleset as the text of one `nft -f` transaction. */
export function renderNftables(ir: NodeIR, options: RenderOptions = {}): string {
  const flows = options.flows;
  const out: string[] = [`# Palisade ruleset for node ${ir.node}: generated, do not edit.`, `table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`];
  for (const set of Object.values(ir.ipSets)) out.push(renderIpSet(set));
  for (const set of Object.values(ir.tupleSets)) out.push(renderTupleSet(set));
  if (flows) out.push(...flowSetDeclarations());
  const isEmpty = emptySets(ir);
  for (const chain of Object.values(ir.chains)) out.push(...renderPolicyChain(chain, isEmpty, flows));

  const workloads = ir.endpoints.filter((e) => e.kind === 'workload');
  const hosts = ir.endpoints.filter((e) => e.kind === 'host');
  for (const e of workloads) {
    out.push(...renderStage(chainName('wi', e), e.ingress, 'profiles', profileChains(ir, e, 'i'), [], flows));
    out.push(...renderStage(chainName('we', e), e.egress, 'profiles', profileChains(ir, e, 'e'), [], flows));
  }
  for (const e of hosts) {
    const hi = chainName('hi', e);
    const he = chainName('he', e);
    out.push(...renderStage(hi, e.ingress, 'profiles', profileChains(ir, e, 'i'), failsafeRules(ir.felix.failsafeInbound, 'saddr', hi), flows));
    out.push(...renderStage(he, e.egress, 'profiles', profileChains(ir, e, 'e'), failsafeRules(ir.felix.failsafeOutbound, 'daddr', he), flows));
    out.push(...renderStage(chainName('hfi', e), e.forward!.ingress, 'allow-if-none', []));
    out.push(...renderStage(chainName('hfe', e), e.forward!.egress, 'allow-if-none', []));
    out.push(...renderStage(chainName('hui', e), e.untracked!.ingress, 'none', []));
    out.push(...renderStage(chainName('hue', e), e.untracked!.egress, 'none', []));
    out.push(...renderStage(chainName('hpi', e), e.preDNAT!.ingress, 'none', []));
  }

  const vmap = (field: 'iifname' | 'oifname', prefix: string) =>
    workloads.length ? [`    ${field} vmap ${elements(workloads.map((e) => `${quote(e.interface)} : jump ${chainName(prefix, e)}`))}`] : [];
  const hostIf = (field: 'iifname' | 'oifname', e: EndpointIR) => (e.interface === '*' ? `${field} != { "lo", ${quote(WORKLOAD_WILDCARD)} }` : `${field} ${quote(e.interface)}`);
  const named = hosts.filter((e) => e.interface !== '*').map((e) => e.interface);
  const accepted = `meta mark & ${hex(MARK.untracked)} != 0 accept`;
  // A forwarded packet's forward-stage chains only run when no host endpoint stage accepted it earlier.
  const notPreDnat = `meta mark & ${hex(MARK.preDNAT)} == 0`;
  const toHost =
    ir.felix.defaultEndpointToHostAction === 'Accept'
      ? [`    iifname ${quote(WORKLOAD_WILDCARD)} counter accept comment "pal|endpoint-to-host|accept"`]
      : ir.felix.defaultEndpointToHostAction === 'Drop'
        ? [`    iifname ${quote(WORKLOAD_WILDCARD)} counter drop comment "pal|endpoint-to-host|drop"`]
        : [];

  out.push(
    '  chain raw-prerouting {',
    '    type filter hook prerouting priority raw; policy accept;',
    ...hosts.map((e) => `    ${hostIf('iifname', e)} jump ${chainName('hui', e)}`),
    '  }',
    '  chain raw-output {',
    '    type filter hook output priority raw; policy accept;',
    ...hosts.map((e) => `    ${hostIf('oifname', e)} jump ${chainName('hue', e)}`),
    '  }',
    '  chain pre-dnat {',
    '    type filter hook prerouting priority -110; policy accept;',
    `    ${accepted}`,
    // Felix sends every interface no named endpoint claims, workload interfaces too, to a "*" endpoint's pre-DNAT policy.
    ...hosts.map((e) => `    ${e.interface === '*' ? `iifname != { ${['lo', ...named].map(quote).join(', ')} }` : hostIf('iifname', e)} jump ${chainName('hpi', e)}`),
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...(flows ? countAllowed('both') : []),
    '    ct state established,related accept',
    '    ct state invalid drop',
    `    ${accepted}`,
    ...vmap('iifname', 'we'),
    ...hosts.map((e) => `    ${hostIf('oifname', e)} jump ${chainName('hfe', e)}`),
    ...hosts.map((e) => `    ${hostIf('iifname', e)} ${notPreDnat} jump ${chainName('hfi', e)}`),
    ...vmap('oifname', 'wi'),
    ...(flows ? countAllowed('original') : []),
    '    accept',
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    ...(flows ? countAllowed('both') : []),
    '    ct state established,related accept',
    '    ct state invalid drop',
    `    ${accepted}`,
    ...vmap('iifname', 'we'),
    ...toHost,
    ...hosts.map((e) => `    ${hostIf('iifname', e)} ${notPreDnat} jump ${chainName('hi', e)}`),
    ...(flows ? countAllowed('original') : []),
    '    accept',
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    ...(flows ? countAllowed('both') : []),
    '    ct state established,related accept',
    `    ${accepted}`,
    `    oifname ${quote(WORKLOAD_WILDCARD)} accept`,
    ...hosts.map((e) => `    ${hostIf('oifname', e)} jump ${chainName('he', e)}`),
    ...(flows ? countAllowed('original') : []),
    '    accept',
    '  }',
    '}',
  );
  return out.join('\n') + '\n';
}

/**
 * Renders a diff as incremental nft commands, when it only moves set members (a pod added or
 * removed behind a selector: the common change): one `nft -f` transaction of `add element` and
 * `delete element`, no table rebuilt, so connections and counters are untouched. Any other
 * change (a chain, an endpoint, a set created or removed, or a set becoming empty or no longer
 * empty, which adds or removes the rules that need it) returns undefined: render the whole
 * ruleset, which is atomic too. `ir` is the IR after the diff.
 */
export function renderNftablesUpdate(diff: IrDiff, ir: NodeIR): string | undefined {
  const structural = !!diff.felix || [diff.endpoints, diff.chains, diff.ipSets, diff.tupleSets].some((p) => p.upsert.length > 0 || p.remove.length > 0);
  if (structural) return undefined;
  const flips = (change: { id: string; add: unknown[]; remove: unknown[] }) => {
    const after = (ir.ipSets[change.id] ?? ir.tupleSets[change.id])?.members.length;
    if (after === undefined) return true;
    const before = after - change.add.length + change.remove.length;
    return (before === 0) !== (after === 0);
  };
  if ([...diff.ipSets.members, ...diff.tupleSets.members].some(flips)) return undefined;
  const out: string[] = [];
  for (const change of diff.ipSets.members) {
    if (change.remove.length) out.push(`delete element inet ${TABLE} ${change.id} ${elements(change.remove)}`);
    if (change.add.length) out.push(`add element inet ${TABLE} ${change.id} ${elements(change.add)}`);
  }
  const tuple = (m: { ip: string; protocol: number; port: number }) => `${m.ip} . ${m.protocol} . ${m.port}`;
  for (const change of diff.tupleSets.members) {
    if (change.remove.length) out.push(`delete element inet ${TABLE} ${change.id} ${elements(change.remove.map(tuple))}`);
    if (change.add.length) out.push(`add element inet ${TABLE} ${change.id} ${elements(change.add.map(tuple))}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

/** Where each counter comment points: an endpoint chain or a policy chain, and a rule. */
export interface CounterRef {
  chain: string;
  /** PolicyInfo id or profile/<name> for policy chains; the endpoint id for endpoint chains. */
  owner?: string;
  rule?: number;
  kind: 'rule' | 'end-of-tier' | 'no-profile' | 'failsafe' | 'default' | 'endpoint-to-host';
  tier?: string;
}

/** Maps counter comments back to what they count. */
export function describeCounter(ir: NodeIR, comment: string): CounterRef | undefined {
  const [prefix, chain, what, extra] = comment.split('|');
  if (prefix !== 'pal' || !chain) return undefined;
  if (chain === 'endpoint-to-host') return { chain, kind: 'endpoint-to-host' };
  const policy = ir.chains[chain];
  if (policy) return { chain, owner: policy.owner, rule: Number(what), kind: 'rule', ...(policy.tier ? { tier: policy.tier } : {}) };
  const endpoint = ir.endpoints.find((e) => ['wi', 'we', 'hi', 'he', 'hfi', 'hfe', 'hui', 'hue', 'hpi'].some((p) => chainName(p, e) === chain));
  const owner = endpoint?.id;
  if (what === 'end') return { chain, ...(owner ? { owner } : {}), kind: 'end-of-tier', ...(extra ? { tier: extra } : {}) };
  if (what === 'noprofile') return { chain, ...(owner ? { owner } : {}), kind: 'no-profile' };
  if (what === 'failsafe') return { chain, ...(owner ? { owner } : {}), kind: 'failsafe', rule: Number(extra) };
  if (what === 'default') return { chain, ...(owner ? { owner } : {}), kind: 'default' };
  return undefined;
}
