import { stringify } from 'yaml';
import { keyOf, validateDocuments, type Resource } from '@palisade/engine';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { keyFor, resolveKind } from '../remote/kinds.js';
import { expandPaths, readInput } from './snapshot-input.js';

export type ResourceOutput = 'table' | 'wide' | 'yaml' | 'json';

export interface GetOptions {
  kind: string;
  name?: string;
  namespace?: string;
  allNamespaces: boolean;
  output: ResourceOutput;
  /** With `endpoints`: the cluster whose agents' inventory to show. */
  cluster?: string;
}

type Spec = { tier?: string; order?: number; selector?: string; types?: string[]; podSelector?: unknown; policyTypes?: string[] };

function row(resource: Resource, version: number, namespaced: boolean, wide: boolean): string[] {
  const spec = ((resource as { spec?: Spec }).spec ?? {}) as Spec;
  const cells = [resource.metadata.name];
  if (namespaced) cells.unshift(resource.metadata.namespace ?? 'default');
  cells.push(spec.tier ?? (spec.selector !== undefined || spec.podSelector !== undefined ? 'default' : ''), spec.order !== undefined ? String(spec.order) : '', String(version));
  if (wide) cells.push(spec.selector ?? (spec.podSelector ? JSON.stringify(spec.podSelector) : ''), (spec.types ?? spec.policyTypes ?? []).join(','));
  return cells;
}

const FIRST = ['apiVersion', 'kind', 'metadata', 'spec'];
const META_FIRST = ['name', 'namespace', 'labels', 'annotations'];
const ordered = (o: Record<string, unknown>, first: string[]) => Object.fromEntries([...first.filter((k) => k in o).map((k) => [k, o[k]]), ...Object.entries(o).filter(([k]) => !first.includes(k))]);

/** As people write manifests (PostgreSQL hands JSON back with its keys reordered). */
export function presentable(resource: Resource): Resource {
  const top = ordered(resource as unknown as Record<string, unknown>, FIRST);
  top['metadata'] = ordered(resource.metadata as Record<string, unknown>, META_FIRST);
  return top as unknown as Resource;
}

export function printResources(items: { resource: Resource; version: number }[], namespaced: boolean, output: ResourceOutput): void {
  if (output === 'json') info(JSON.stringify(items.length === 1 ? presentable(items[0]!.resource) : { apiVersion: 'v1', kind: 'List', items: items.map((i) => presentable(i.resource)) }, null, 2));
  else if (output === 'yaml') info(items.map((i) => stringify(presentable(i.resource)).trimEnd()).join('\n---\n'));
  else {
    const header = [...(namespaced ? ['NAMESPACE'] : []), 'NAME', 'TIER', 'ORDER', 'VERSION', ...(output === 'wide' ? ['SELECTOR', 'TYPES'] : [])];
    info(table([header, ...items.map((i) => row(i.resource, i.version, namespaced, output === 'wide'))]));
  }
}

/** One resource by name, or every one of a kind (in a namespace, or all), as a table, YAML or JSON. */
/** `palisade get endpoints --cluster C`: what the cluster's agents report, node by node. */
async function getEndpoints(remote: Remote, options: GetOptions): Promise<number> {
  if (!options.cluster) throw new InputError("get endpoints needs --cluster: the endpoints are those a cluster's agents report");
  const namespace = options.allNamespaces || options.namespace === undefined || options.namespace === 'default' ? undefined : options.namespace;
  const list = await call(remote, () => connect(remote).clusters.endpoints.query({ name: options.cluster!, ...(namespace ? { namespace } : {}) }));
  if (options.output === 'json') info(JSON.stringify(list, null, 2));
  else if (options.output === 'yaml') info(stringify(list));
  else if (list.length === 0) process.stderr.write(`no endpoints reported by cluster ${options.cluster}'s agents${namespace ? ` in namespace ${namespace}` : ''}\n`);
  else {
    type Spec = { ipNetworks?: string[]; expectedIPs?: string[]; interfaceName?: string };
    info(
      table([
        ['NODE', 'KIND', 'NAMESPACE', 'NAME', 'IPS', 'LABELS'],
        ...list.map((e) => {
          const r = e.resource as unknown as Resource & { spec?: Spec };
          const spec = r.spec ?? {};
          const labels = Object.entries(r.metadata.labels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          return [e.node, r.kind, r.metadata.namespace ?? '-', r.metadata.name, (spec.ipNetworks ?? spec.expectedIPs ?? []).join(',') || '-', labels || '-'];
        }),
      ]),
    );
  }
  return EXIT.OK;
}

export async function getCommand(remote: Remote, options: GetOptions): Promise<number> {
  if (/^(endpoints?|ep)$/i.test(options.kind)) return getEndpoints(remote, options);
  const kind = resolveKind(options.kind);
  const api = connect(remote);
  if (options.name) {
    const found = await call(remote, () => api.resources.get.query({ key: keyFor(kind, options.name!, options.namespace) }));
    printResources([{ resource: found.resource, version: found.version }], kind.namespaced, options.output);
    return EXIT.OK;
  }
  const items: { resource: Resource; version: number }[] = [];
  let after: string | undefined;
  do {
    const namespace = kind.namespaced && !options.allNamespaces ? (options.namespace ?? 'default') : undefined;
    const page = await call(remote, () => api.resources.list.query({ type: kind.type, ...(namespace ? { namespace } : {}), ...(after ? { after } : {}), limit: 500 }));
    items.push(...page.items);
    after = page.next;
  } while (after);
  if (items.length === 0 && (options.output === 'table' || options.output === 'wide')) {
    process.stderr.write(`no ${kind.type} resources${kind.namespaced && !options.allNamespaces ? ` in namespace ${options.namespace ?? 'default'}` : ''}\n`);
    return EXIT.OK;
  }
  printResources(items, kind.namespaced, options.output);
  return EXIT.OK;
}

export interface DeleteOptions {
  kind?: string;
  names: string[];
  namespace?: string;
  /** Delete the resources these files describe, instead of a kind and names. */
  files?: string[];
  recursive: boolean;
  reason?: string;
}

/** Deletes resources by kind and name (or the ones files describe), as one change. */
export async function deleteCommand(remote: Remote, options: DeleteOptions): Promise<number> {
  const keys = keysToDelete(options);
  const api = connect(remote);
  const result = await call(remote, () => api.resources.delete.mutate({ keys, ...(options.reason ? { reason: options.reason } : {}) }));
  for (const c of result.changes) info(`${c.key} deleted`);
  return EXIT.OK;
}

function keysToDelete(options: DeleteOptions): string[] {
  if (options.files) {
    const keys = keysInFiles(options.files, options.recursive);
    if (keys.length === 0) throw new InputError('the files describe no resources');
    return keys;
  }
  const { kind, names } = options;
  if (!kind || names.length === 0) throw new InputError('give a kind and names, or -f FILE');
  return names.map((name) => keyFor(resolveKind(kind), name, options.namespace));
}

/** The keys of the resources files describe. */
function keysInFiles(paths: string[], recursive: boolean): string[] {
  return expandPaths(paths, recursive).flatMap((file) => validateDocuments(readInput(file)).documents.flatMap((d) => (d.resource ? [keyOf(d.resource)] : [])));
}
