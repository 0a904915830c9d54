import { parseCidr, type IpFamily } from '../net/index.js';
import { asPort, asProtocol, isIcmp, isNamedPort, protocolNumber, protocolProblem, supportsPorts, type Port } from '../numorstring/index.js';
import type { EntityRule, Rule } from '../model/rule.js';
import { annotationsProblems } from '../model/names.js';
import type { Path } from '../schema/schema.js';
import type { Issues } from './issues.js';
import { checkSelector } from './selectors.js';

export type Direction = 'ingress' | 'egress';

export interface RuleContext {
  direction?: Direction;
  /** GlobalNetworkPolicy rules must name the namespace of a service they match. */
  global?: boolean;
}

const PORT_FIELDS = ['ports', 'notPorts'] as const;
const SIDES = ['source', 'destination'] as const;

function portMessage(port: Port): string | undefined {
  if (isNamedPort(port)) return undefined;
  if (port.minPort < 1 || port.maxPort < 1) return `error with field Port = '${port.minPort}' (port range invalid, port number must be between 1 and 65535)`;
  return undefined;
}

/** Calico's rule checks (Go validator and CRD CEL rules), each reported at the field it concerns. */
export function validateRule(issues: Issues, rule: Rule, path: Path, context: RuleContext = {}): void {
  const protocols = {
    protocol: rule.protocol === undefined ? undefined : asProtocol(rule.protocol),
    notProtocol: rule.notProtocol === undefined ? undefined : asProtocol(rule.notProtocol),
  };
  const protocol = protocols.protocol;
  for (const field of ['protocol', 'notProtocol'] as const) {
    const p = protocols[field];
    if (p) {
      const problem = protocolProblem(p);
      if (problem) issues.add([...path, field], problem);
    }
  }

  // Ports need a protocol that has ports; named ports may go without one.
  for (const side of SIDES) {
    const entity = rule[side];
    if (!entity) continue;
    for (const field of PORT_FIELDS) {
      const values = entity[field];
      if (!values) continue;
      const list = values.map(asPort);
      list.forEach((port, i) => {
        const problem = portMessage(port);
        if (problem) issues.add([...path, side, field, i], problem);
      });
      if (protocol === undefined) {
        const numeric = list.findIndex((p) => !isNamedPort(p));
        if (numeric >= 0) issues.add([...path, side, field, numeric], 'rules with numeric port or port range must set protocol to TCP or UDP or SCTP');
      } else if (!supportsPorts(protocol) && list.length > 0) {
        issues.add([...path, side, field], `rules that specify ports must set protocol to TCP or UDP or SCTP (protocol ${protocol.value} has no ports)`);
      }
    }
  }

  // ICMP.
  if (rule.icmp && !(protocol && isIcmp(protocol))) issues.add([...path, 'icmp'], 'ICMP fields require protocol to be ICMP or ICMPv6');
  for (const field of ['icmp', 'notICMP'] as const) {
    const icmp = rule[field];
    if (icmp && icmp.code !== undefined && icmp.type === undefined) issues.add([...path, field, 'code'], 'ICMP code specified without an ICMP type');
  }
  for (const field of ['protocol', 'notProtocol'] as const) {
    const p = protocols[field];
    if (!p || rule.ipVersion === undefined) continue;
    const n = protocolNumber(p);
    if (n === 1 && rule.ipVersion !== 4) issues.add([...path, field], 'protocol ICMP requires ipVersion 4');
    if (n === 58 && rule.ipVersion !== 6) issues.add([...path, field], 'protocol ICMPv6 requires ipVersion 6');
  }

  // Networks: masked CIDRs of one family, matching ipVersion; no catch-all in a negated field.
  let family: IpFamily | undefined;
  let mixedReported = false;
  for (const side of SIDES) {
    for (const field of ['nets', 'notNets'] as const) {
      (rule[side]?.[field] ?? []).forEach((text, i) => {
        const at = [...path, side, field, i];
        const cidr = parseCidr(text);
        if (!cidr) {
          const bare = parseCidr(text, { allowBareIp: true });
          issues.add(at, bare ? `${JSON.stringify(text)} is an address, not a network: write ${bare.text}` : `${JSON.stringify(text)} is not a valid CIDR (e.g. 10.0.0.0/8 or fd00::/64)`);
          return;
        }
        if (cidr.hadHostBits) issues.add(at, `${JSON.stringify(text)} has host bits set: the network is ${cidr.text}`);
        if (rule.ipVersion !== undefined && cidr.family !== rule.ipVersion) issues.add(at, "rule IP version doesn't match CIDR version");
        if (family !== undefined && cidr.family !== family && !mixedReported) {
          issues.add(at, 'rule contains both IPv4 and IPv6 CIDRs');
          mixedReported = true;
        }
        family ??= cidr.family;
        if (field === 'notNets' && cidr.prefixLength === 0) issues.add(at, 'catch-all CIDR in negation creates logical contradiction (matches no traffic)');
      });
    }
  }

  // HTTP (application layer): Allow only, TCP only, ingress only.
  if (rule.http) {
    const at = [...path, 'http'];
    if (rule.action !== 'Allow') issues.add(at, 'HTTP match is only valid on Allow rules');
    if (protocol && protocolNumber(protocol) !== 6) issues.add(at, 'rules with HTTP match must have protocol TCP or unset');
    if (context.direction === 'egress') issues.add(at, 'HTTP match is not allowed in egress rules');
    validateHttp(issues, rule.http, at);
  }

  for (const side of SIDES) {
    const entity = rule[side];
    if (entity) validateEntityRule(issues, entity, [...path, side], context, side);
  }
  if (rule.destination?.services && (rule.destination.ports || rule.destination.notPorts)) {
    issues.add([...path, 'destination'], 'ports and notPorts cannot be specified with services');
  }

  if (rule.metadata?.annotations) {
    for (const problem of annotationsProblems(rule.metadata.annotations)) {
      issues.add(problem.key === undefined ? [...path, 'metadata', 'annotations'] : [...path, 'metadata', 'annotations', problem.key], problem.message);
    }
  }
}

export function validateHttp(issues: Issues, http: NonNullable<Rule['http']>, path: Path): void {
  const methods = http.methods ?? [];
  const duplicate = methods.find((m, i) => methods.indexOf(m) !== i);
  if (duplicate !== undefined) issues.add([...path, 'methods'], `Invalid methods (duplicates): ${JSON.stringify(duplicate)} appears more than once`);
  (http.paths ?? []).forEach((p, i) => {
    const at = [...path, 'paths', i];
    if (p.exact !== undefined && p.prefix !== undefined) issues.add(at, "Invalid path match. Both 'exact' and 'prefix' are set");
    else if (p.exact === undefined && p.prefix === undefined) issues.add(at, "Invalid path match. Either 'exact' or 'prefix' must be set");
    const value = p.exact ?? p.prefix;
    if (value !== undefined && (!value.startsWith('/') || /[?# ]/.test(value))) issues.add(at, `Invalid path ${JSON.stringify(value)}: it must start with / and not contain ?, # or a space`);
  });
}

export function validateEntityRule(issues: Issues, entity: EntityRule, path: Path, context: RuleContext = {}, side?: 'source' | 'destination'): void {
  checkSelector(issues, [...path, 'selector'], entity.selector);
  // Calico checks global() only in selector and namespaceSelector.
  checkSelector(issues, [...path, 'notSelector'], entity.notSelector, { allowGlobal: 'any' });
  checkSelector(issues, [...path, 'namespaceSelector'], entity.namespaceSelector, { allowGlobal: 'alone' });
  if (entity.serviceAccounts?.selector !== undefined) checkSelector(issues, [...path, 'serviceAccounts', 'selector'], entity.serviceAccounts.selector);
  const services = entity.services;
  if (!services) return;
  const at = [...path, 'services'];
  if (!services.name) issues.add([...at, 'name'], 'services must specify a service name');
  if (entity.selector !== undefined || entity.notSelector !== undefined) issues.add(at, 'cannot specify Selector/NotSelector and Services on the same rule');
  if (entity.nets || entity.notNets) issues.add(at, 'cannot specify Nets/NotNets and Services on the same rule');
  if (entity.namespaceSelector !== undefined) issues.add(at, 'cannot specify NamespaceSelector and Services on the same rule');
  if (entity.serviceAccounts) issues.add(at, 'cannot specify ServiceAccounts and Services on the same rule');
  if (context.direction === 'egress' && side === 'source') issues.add(at, 'services are not allowed in an egress rule source');
  if (context.direction === 'ingress' && side === 'destination') issues.add(at, 'services are not allowed in an ingress rule destination');
  const matchesService = (context.direction === 'egress' && side === 'destination') || (context.direction === 'ingress' && side === 'source');
  if (context.global && matchesService && !services.namespace) issues.add([...at, 'namespace'], 'must specify a namespace: a GlobalNetworkPolicy has no namespace to default to');
}
