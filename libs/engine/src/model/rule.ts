import { list, number, object, oneOf, optional, string, type Infer } from '../schema/schema.js';
import { annotations, cidrList, ports, protocol } from './fields.js';

export const ACTIONS = ['Allow', 'Deny', 'Log', 'Pass'] as const;
export type Action = (typeof ACTIONS)[number];

export const icmpFields = object({
  type: optional(number({ integer: true, min: 0, max: 254 })),
  code: optional(number({ integer: true, min: 0, max: 255 })),
});
export type IcmpFields = Infer<typeof icmpFields>;

export const httpPath = object({
  exact: optional(string({ max: 1024 })),
  prefix: optional(string({ max: 1024 })),
});

export const httpMatch = object({
  methods: optional(list(string(), { max: 20 })),
  paths: optional(list(httpPath, { max: 20 })),
});
export type HttpMatch = Infer<typeof httpMatch>;

export const serviceAccountMatch = object({
  names: optional(list(string())),
  selector: optional(string({ max: 1024 })),
});

export const serviceMatch = object({
  name: optional(string({ max: 253 })),
  namespace: optional(string({ max: 253 })),
});

export const entityRule = object({
  nets: optional(cidrList(256)),
  notNets: optional(cidrList(256)),
  selector: optional(string({ max: 1024 })),
  notSelector: optional(string({ max: 1024 })),
  namespaceSelector: optional(string({ max: 1024 })),
  ports: optional(ports),
  notPorts: optional(ports),
  serviceAccounts: optional(serviceAccountMatch),
  services: optional(serviceMatch),
});
export type EntityRule = Infer<typeof entityRule>;

export const ruleMetadata = object({
  annotations: optional(annotations),
});

export const rule = object({
  action: oneOf(ACTIONS),
  ipVersion: optional(oneOf([4, 6] as const)),
  protocol: optional(protocol),
  notProtocol: optional(protocol),
  icmp: optional(icmpFields),
  notICMP: optional(icmpFields),
  source: optional(entityRule),
  destination: optional(entityRule),
  http: optional(httpMatch),
  metadata: optional(ruleMetadata),
});
export type Rule = Infer<typeof rule>;

export const rules = list(rule, { max: 1024 });
