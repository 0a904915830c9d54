import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node as YamlNode } from 'yaml';
import type { Path } from '../schema/schema.js';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/**
 * Where a path points in a YAML document: the key of the last map field (so "is not a known
 * field" and "must be a string" point at the field's line), or the list item. A path that does not
 * exist (a required field that is missing) points at its nearest existing ancestor.
 */
export function locatePath(root: YamlNode | null | undefined, path: Path, lineCounter: LineCounter): SourcePosition | undefined {
  let node: unknown = root;
  let offset: number | undefined = (root as { range?: [number, number, number] } | null | undefined)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** "spec.ingress[0].source.ports[1]": the path as people read it. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
