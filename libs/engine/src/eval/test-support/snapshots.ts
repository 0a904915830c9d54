// Small snapshot builders for the evaluation tests.
import { parseDocuments } from '../../parse/documents.js';
import { validateDecoded } from '../../validate/resource.js';
import { buildSnapshot } from '../../calc/cluster-state.js';
import type { Snapshot } from '../snapshot.js';

export function namespace(name: string, labels: Record<string, string> = {}): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n`;
}

export function pod(
  ns: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  extra: { node?: string; ports?: { name: string; port: number; protocol?: string }[]; serviceAccount?: string } = {},
): string {
  const ports = (extra.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' }));
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\nspec:\n  nodeName: ${extra.node ?? 'node-1'}\n  serviceAccountName: ${extra.serviceAccount ?? 'default'}\n  containers: [{name: app, ports: ${JSON.stringify(ports)}}]\nstatus:\n  podIP: ${ip}\n`;
}

export function node(name: string, ip: string, labels: Record<string, string> = {}): string {
  return `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\nstatus:\n  addresses: [{type: InternalIP, address: ${ip}}]\n`;
}

/** Parses and validates YAML documents, then builds a snapshot; fails the test on any error. */
export function snapshotOf(...documents: string[]): Snapshot {
  const parsed = parseDocuments(documents.join('\n---\n'));
  if (parsed.errors.length) throw new Error(`parse errors: ${JSON.stringify(parsed.errors)}`);
  for (const resource of parsed.resources) {
    const issues = validateDecoded(resource);
    if (issues.length) throw new Error(`${resource.kind} ${resource.metadata.name} is invalid: ${JSON.stringify(issues)}`);
  }
  const snapshot = buildSnapshot(parsed.resources);
  if (snapshot.errors.length) throw new Error(`snapshot errors: ${JSON.stringify(snapshot.errors)}`);
  return snapshot;
}
