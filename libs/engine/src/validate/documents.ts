import { validateDecoded } from './resource.js';
import { formatPath } from '../parse/locate.js';
import { parseDocuments, type LocatedError, type ParseOptions } from '../parse/documents.js';
import type { Resource } from '../model/resources.js';

export interface DocumentVerdict {
  document: number;
  item?: number;
  kind?: string;
  name?: string;
  namespace?: string;
  line: number;
  valid: boolean;
  errors: LocatedError[];
  resource?: Resource;
}

export interface ValidateDocumentsResult {
  valid: boolean;
  documents: DocumentVerdict[];
  /** Errors that belong to no single resource: YAML syntax, size limits. */
  errors: LocatedError[];
}

/** Parses and fully validates YAML/JSON input: a verdict per resource, every error located. */
export function validateDocuments(text: string, options: ParseOptions = {}): ValidateDocumentsResult {
  const parsed = parseDocuments(text, options);
  const documents: DocumentVerdict[] = parsed.documents.map((doc) => {
    const errors = [...doc.errors];
    if (doc.resource) {
      for (const issue of validateDecoded(doc.resource)) {
        const pos = doc.locate(issue.path);
        errors.push({
          code: 'INVALID',
          document: doc.document,
          ...(doc.item !== undefined ? { item: doc.item } : {}),
          path: formatPath(issue.path),
          line: pos.line,
          column: pos.column,
          message: issue.message,
        });
      }
    }
    return {
      document: doc.document,
      ...(doc.item !== undefined ? { item: doc.item } : {}),
      ...(doc.kind !== undefined ? { kind: doc.kind } : {}),
      ...(doc.name !== undefined ? { name: doc.name } : {}),
      ...(doc.namespace !== undefined ? { namespace: doc.namespace } : {}),
      line: doc.position.line,
      valid: errors.length === 0,
      errors,
      ...(doc.resource && errors.length === 0 ? { resource: doc.resource } : {}),
    };
  });
  const streamErrors = parsed.errors.filter((e) => e.code !== 'INVALID');
  return { valid: streamErrors.length === 0 && documents.every((d) => d.valid), documents, errors: streamErrors };
}
