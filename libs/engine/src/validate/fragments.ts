import { entityRule, httpMatch, icmpFields, rule } from '../model/rule.js';
import { hostEndpointSpec, networkSetSpec, protoPort } from '../model/calico.js';
import { protocol } from '../model/fields.js';
import { asProtocol, protocolProblem } from '../numorstring/index.js';
import type { Issue, Schema } from '../schema/schema.js';
import { decodeWith } from '../schema/schema.js';
import { Issues } from './issues.js';
import { validateNets, validateHostEndpointSpec } from './resource.js';
import { validateEntityRule, validateHttp, validateRule } from './rule.js';

/** The parts of a resource that can be validated on their own (as Calico's validator tests do). */
export type FragmentType = 'Rule' | 'EntityRule' | 'ICMPFields' | 'HTTPMatch' | 'HostEndpointSpec' | 'NetworkSetSpec' | 'GlobalNetworkSetSpec' | 'ProtoPort' | 'Protocol';

function run<T>(schema: Schema<T>, value: unknown, check: (issues: Issues, decoded: T) => void): Issue[] {
  const decoded = decodeWith(schema, value);
  if (decoded.value === undefined) return decoded.issues;
  const issues = new Issues();
  check(issues, decoded.value);
  return issues.list;
}

/** Validates one sub-object of a resource; paths are relative to it. */
export function validateFragment(type: FragmentType, value: unknown): Issue[] {
  switch (type) {
    case 'Rule':
      return run(rule, value, (issues, r) => validateRule(issues, r, []));
    case 'EntityRule':
      return run(entityRule, value, (issues, e) => validateEntityRule(issues, e, []));
    case 'ICMPFields':
      return run(icmpFields, value, (issues, icmp) => {
        if (icmp.code !== undefined && icmp.type === undefined) issues.add(['code'], 'ICMP code specified without an ICMP type');
      });
    case 'HTTPMatch':
      return run(httpMatch, value, (issues, http) => validateHttp(issues, http, []));
    case 'HostEndpointSpec':
      return run(hostEndpointSpec, value, (issues, spec) => validateHostEndpointSpec(issues, spec, []));
    case 'NetworkSetSpec':
    case 'GlobalNetworkSetSpec':
      return run(networkSetSpec, value, (issues, spec) => validateNets(issues, spec.nets, ['nets']));
    case 'ProtoPort':
      return run(protoPort, value, (issues, p) => {
        if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) issues.add(['protocol'], `must be TCP, UDP or SCTP, not ${JSON.stringify(p.protocol)}`);
      });
    case 'Protocol':
      return run(protocol, value, (issues, p) => {
        const problem = protocolProblem(asProtocol(p));
        if (problem) issues.add([], problem);
      });
  }
}
