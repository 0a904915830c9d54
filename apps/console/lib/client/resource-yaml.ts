import { stringify } from 'yaml';
import type { Resource } from '@palisade/engine';

/** A stored resource without its version, which travels beside it (and is no field to merge). */
export function withoutVersion(resource: Resource): Resource {
  const { resourceVersion: _version, ...metadata } = resource.metadata as Resource['metadata'] & { resourceVersion?: string };
  return { ...resource, metadata } as Resource;
}

/**
 * Fields in the order people write them (the store keeps JSON, whose key order is its own):
 * apiVersion, kind, metadata, spec; name before namespace; selector before rules; action first.
 */
const ORDER = [
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'name',
  'namespace',
  'labels',
  'annotations',
  'tier',
  'order',
  'action',
  'protocol',
  'notProtocol',
  'icmp',
  'notICMP',
  'ipVersion',
  'selector',
  'namespaceSelector',
  'serviceAccountSelector',
  'notSelector',
  'serviceAccounts',
  'nets',
  'notNets',
  'ports',
  'notPorts',
  'services',
  'types',
  'ingress',
  'egress',
  'source',
  'destination',
];
const rank = (key: string) => {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
};

export function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, ordered(v)]));
}

/** A stored resource as the editor shows it. */
export function toYaml(resource: Resource): string {
  return stringify(ordered(withoutVersion(resource)), { lineWidth: 0 });
}
