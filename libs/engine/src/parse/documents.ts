import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { decodeResource, isNamespaced, type Resource } from '../model/resources.js';
import type { Path } from '../schema/schema.js';
import { formatPath, locatePath, type SourcePosition } from './locate.js';

/** Inputs larger than this are refused before parsing: 4 MiB of text. */
export const MAX_INPUT_CHARACTERS = 4 * 1024 * 1024;
/** At most this many resources in one input. */
export const MAX_DOCUMENTS = 10_000;

export type DocumentErrorCode = 'TOO_LARGE' | 'TOO_MANY_DOCUMENTS' | 'YAML_SYNTAX' | 'INVALID';

/** A problem in the input, located by document, field path, line and column. */
export interface LocatedError {
  code: DocumentErrorCode;
  /** 0-based position of the YAML document in the stream. */
  document: number;
  /** Index within a `kind: List` document's items, when the problem is in one. */
  item?: number;
  /** "spec.ingress[0].action" (empty for the document as a whole). */
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedDocument {
  document: number;
  item?: number;
  /** Where this resource starts. */
  position: SourcePosition;
  /** Best-effort identity for reports, even when the resource did not decode. */
  kind?: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  resource?: Resource;
  errors: LocatedError[];
  /** Position of a path inside this resource (for errors found later, by validation). */
  locate(path: Path): SourcePosition;
}

export interface ParseResult {
  /** Every resource that decoded, in input order. */
  resources: Resource[];
  documents: ParsedDocument[];
  /** Every error, in input order: syntax errors, limits, and per-resource decoding errors. */
  errors: LocatedError[];
}

export interface ParseOptions {
  maxCharacters?: number;
  maxDocuments?: number;
  /** Namespace for namespaced resources that name none (kubectl's -n). */
  defaultNamespace?: string;
}

const stringField = (value: unknown, key: string): string | undefined => {
  const v = (value as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : undefined;
};

// The YAML parser recurses per nesting level; hostile input can exhaust the stack. Resources nest a
// dozen levels at most, so that is reported as what it is rather than as an internal failure.
const TOO_DEEP = 'the input nests too deeply to read (collections inside collections, thousands of levels); no resource nests like that';
const readError = (error: unknown): string => (error instanceof RangeError || /call stack/i.test(String(error)) ? TOO_DEEP : error instanceof Error ? error.message : String(error));

/**
 * Reads resources from YAML or JSON: one or many `---`-separated documents, each a resource or a
 * `kind: List` (or `kind: XxxList`) of them, or a JSON array of resources. Unknown fields, wrong
 * types and out-of-range values are errors; every error says which document, field, line and
 * column. Nothing is silently dropped.
 */
export function parseDocuments(text: string, options: ParseOptions = {}): ParseResult {
  const maxCharacters = options.maxCharacters ?? MAX_INPUT_CHARACTERS;
  const maxDocuments = options.maxDocuments ?? MAX_DOCUMENTS;
  const result: ParseResult = { resources: [], documents: [], errors: [] };
  if (text.length > maxCharacters) {
    result.errors.push({
      code: 'TOO_LARGE',
      document: 0,
      path: '',
      line: 1,
      column: 1,
      message: `input is ${text.length} characters, over the limit of ${maxCharacters}; split it into smaller files`,
    });
    return result;
  }
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, version: '1.2', prettyErrors: false }) as Document.Parsed[];
  } catch (error) {
    result.errors.push({ code: 'YAML_SYNTAX', document: 0, path: '', line: 1, column: 1, message: readError(error) });
    return result;
  }
  if (!Array.isArray(docs)) docs = [docs];
  let count = 0;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        if (/call stack/i.test(e.message)) {
          result.errors.push({ code: 'YAML_SYNTAX', document: index, path: '', line: pos.line, column: pos.col, message: TOO_DEEP });
          break; // the parser gives up at every level it unwinds: once is enough
        }
        result.errors.push({ code: 'YAML_SYNTAX', document: index, path: '', line: pos.line, column: pos.col, message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const pos = lineCounter.linePos(doc.range[0]);
      result.errors.push({ code: 'YAML_SYNTAX', document: index, path: '', line: pos.line, column: pos.col, message: readError(error) });
      return;
    }
    if (value === null || value === undefined) return; // an empty document (comments only)
    const root = doc.contents as YamlNode | null;
    const entries: { value: unknown; node: YamlNode | null | undefined; item?: number; base: Path }[] = [];
    const kind = stringField(value, 'kind');
    if (Array.isArray(value)) {
      value.forEach((v, i) => entries.push({ value: v, node: isSeq(root) ? (root.items[i] as YamlNode) : undefined, item: i, base: [i] }));
    } else if (kind !== undefined && (kind === 'List' || kind.endsWith('List')) && Array.isArray((value as Record<string, unknown>)['items'])) {
      const itemsNode = isMap(root) ? root.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'items')?.value : undefined;
      ((value as Record<string, unknown>)['items'] as unknown[]).forEach((v, i) =>
        entries.push({ value: v, node: isSeq(itemsNode) ? (itemsNode.items[i] as YamlNode) : undefined, item: i, base: ['items', i] }),
      );
    } else {
      entries.push({ value, node: root, base: [] });
    }
    for (const entry of entries) {
      count += 1;
      if (count > maxDocuments) {
        if (count === maxDocuments + 1) {
          const pos = lineCounter.linePos(doc.range[0]);
          result.errors.push({
            code: 'TOO_MANY_DOCUMENTS',
            document: index,
            path: '',
            line: pos.line,
            column: pos.col,
            message: `input has more than ${maxDocuments} resources; split it into smaller files`,
          });
        }
        return;
      }
      const locate = (path: Path): SourcePosition =>
        locatePath(entry.node, path, lineCounter) ??
        (() => {
          const pos = lineCounter.linePos(doc.range[0]);
          return { line: pos.line, column: pos.col };
        })();
      const position = locate([]);
      const metadata = (entry.value as Record<string, unknown> | null)?.['metadata'];
      const parsed: ParsedDocument = {
        document: index,
        ...(entry.item !== undefined ? { item: entry.item } : {}),
        position,
        ...optionalString('kind', stringField(entry.value, 'kind')),
        ...optionalString('apiVersion', stringField(entry.value, 'apiVersion')),
        ...optionalString('name', stringField(metadata, 'name')),
        ...optionalString('namespace', stringField(metadata, 'namespace')),
        errors: [],
        locate,
      };
      const decoded = decodeResource(entry.value);
      for (const issue of decoded.issues) {
        const pos = locate(issue.path);
        parsed.errors.push({
          code: 'INVALID',
          document: index,
          ...(entry.item !== undefined ? { item: entry.item } : {}),
          path: formatPath(issue.path),
          line: pos.line,
          column: pos.column,
          message: issue.message,
        });
      }
      if (decoded.resource) {
        if (options.defaultNamespace && isNamespaced(decoded.resource) && decoded.resource.metadata.namespace === undefined) {
          decoded.resource.metadata.namespace = options.defaultNamespace;
        }
        parsed.resource = decoded.resource;
        parsed.namespace ??= decoded.resource.metadata.namespace;
        result.resources.push(decoded.resource);
      }
      result.errors.push(...parsed.errors);
      result.documents.push(parsed);
    }
  });
  return result;
}

function optionalString<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
