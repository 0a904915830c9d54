import { INVENTORY_KINDS, INVENTORY_MAX_RESOURCES } from '@palisade/contracts';
import { parseDocuments, validate, type Resource } from '@palisade/engine';

export class InventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

const ALLOWED = new Set<string>(INVENTORY_KINDS);

/** The node a resource runs on, for the kinds that run on one. */
function nodeOf(resource: Resource): string | undefined {
  const spec = (resource as { spec?: { node?: string; nodeName?: string } }).spec;
  switch (resource.kind) {
    case 'WorkloadEndpoint':
    case 'HostEndpoint':
      return spec?.node;
    case 'Pod':
      return spec?.nodeName;
    default:
      return undefined;
  }
}

/**
 * Why a node's reported inventory cannot be taken, or undefined: only inventory kinds, each valid,
 * and endpoints only of that node. Agents check every node's report, so a node can never place
 * an endpoint (an address that policy would then trust) on another node.
 */
export function inventoryProblem(node: string, resources: readonly Resource[]): string | undefined {
  if (resources.length > INVENTORY_MAX_RESOURCES) return `${resources.length} resources: at most ${INVENTORY_MAX_RESOURCES} per node`;
  for (const r of resources) {
    const where = `${r.kind} ${r.metadata.namespace ? `${r.metadata.namespace}/` : ''}${r.metadata.name}`;
    if (!ALLOWED.has(r.kind)) return `${where}: a node's inventory holds only ${INVENTORY_KINDS.join(', ')}`;
    const owner = nodeOf(r);
    if ((r.kind === 'WorkloadEndpoint' || r.kind === 'HostEndpoint' || r.kind === 'Pod') && owner !== node)
      return `${where} runs on ${owner === undefined ? 'no node' : `node ${owner}`}, not on ${node}`;
    const checked = validate(r);
    if (!checked.valid) return `${where}: ${checked.errors.map((e) => `${e.path || '(resource)'}: ${e.message}`).join('; ')}`;
  }
  return undefined;
}

/** Reads a node's inventory file (YAML or JSON documents, as `palisade validate` reads them). */
export function parseInventory(text: string, node: string, source: string): Resource[] {
  const parsed = parseDocuments(text);
  if (parsed.errors.length) {
    const first = parsed.errors[0]!;
    throw new InventoryError(`${source}:${first.line}:${first.column}: ${first.message}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : ''}`);
  }
  const problem = inventoryProblem(node, parsed.resources);
  if (problem) throw new InventoryError(`${source}: ${problem}`);
  return parsed.resources;
}
