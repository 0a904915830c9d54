import type { EntityRule, Rule } from '../model/rule.js';
import { parseCidr, type ParsedCidr } from '../net/index.js';
import { asPort, asProtocol, isNamedPort, protocolNumber, type PortValue } from '../numorstring/index.js';
import { entitySelectors } from '../policy/scope.js';
import type { CompiledEntity, CompiledRule, PortMatch } from './types.js';

function cidrs(list: string[] | undefined): ParsedCidr[] | undefined {
  if (!list) return undefined;
  // Validation has already refused what does not parse; host bits (allowed in network sets) are masked.
  return list.map((text) => parseCidr(text, { allowBareIp: true })).filter((c): c is ParsedCidr => c !== undefined);
}

function ports(list: PortValue[] | undefined): PortMatch[] | undefined {
  if (!list) return undefined;
  return list.map((value) => {
    const port = asPort(value);
    return isNamedPort(port) ? { name: port.portName } : { min: port.minPort, max: port.maxPort };
  });
}

function compileEntity(entity: EntityRule | undefined, policyNamespace: string | undefined): CompiledEntity {
  if (!entity) return { written: {} };
  const { positive, negative } = entitySelectors(entity, policyNamespace);
  const nets = cidrs(entity.nets);
  const notNets = cidrs(entity.notNets);
  const p = ports(entity.ports);
  const np = ports(entity.notPorts);
  const sa = entity.serviceAccounts;
  return {
    ...(nets ? { nets } : {}),
    ...(notNets ? { notNets } : {}),
    ...(positive ? { selector: positive } : {}),
    ...(negative ? { notSelector: negative } : {}),
    ...(p ? { ports: p } : {}),
    ...(np ? { notPorts: np } : {}),
    ...(entity.services?.name ? { services: { name: entity.services.name, namespace: entity.services.namespace ?? policyNamespace ?? 'default' } } : {}),
    written: {
      ...(entity.selector !== undefined ? { selector: entity.selector } : {}),
      ...(entity.notSelector !== undefined ? { notSelector: entity.notSelector } : {}),
      ...(entity.namespaceSelector !== undefined ? { namespaceSelector: entity.namespaceSelector } : {}),
      ...(sa ? { serviceAccounts: [sa.names?.length ? `names ${sa.names.join(', ')}` : '', sa.selector !== undefined ? `selector ${sa.selector}` : ''].filter(Boolean).join(' and ') } : {}),
      ...(entity.ports ? { ports: entity.ports.join(', ') } : {}),
      ...(entity.notPorts ? { notPorts: entity.notPorts.join(', ') } : {}),
    },
  };
}

/** A validated rule in the form evaluation and compilation use: numbers, parsed CIDRs, composed selectors. */
export function compileRule(rule: Rule, index: number, policyNamespace: string | undefined): CompiledRule {
  const protocol = rule.protocol === undefined ? undefined : protocolNumber(asProtocol(rule.protocol));
  const notProtocol = rule.notProtocol === undefined ? undefined : protocolNumber(asProtocol(rule.notProtocol));
  return {
    index,
    action: rule.action,
    ...(rule.ipVersion !== undefined ? { ipVersion: rule.ipVersion } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    ...(rule.icmp ? { icmp: rule.icmp } : {}),
    ...(rule.notICMP ? { notIcmp: rule.notICMP } : {}),
    source: compileEntity(rule.source, policyNamespace),
    destination: compileEntity(rule.destination, policyNamespace),
    ...(rule.http ? { http: rule.http } : {}),
  };
}
