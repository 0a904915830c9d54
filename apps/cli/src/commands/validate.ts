import { validateDocuments, type LocatedError } from '@palisade/engine';
import { EXIT } from '../exit-codes.js';
import { info } from '../output.js';
import { expandPaths, readInput } from './snapshot-input.js';

export interface ValidateOptions {
  files: string[];
  output: 'text' | 'json';
  namespace?: string;
  recursive: boolean;
}

interface JsonVerdict {
  file: string;
  document: number;
  item?: number;
  kind?: string;
  name?: string;
  namespace?: string;
  valid: boolean;
  errors: { path: string; line: number; column: number; message: string }[];
}

const located = (e: LocatedError) => ({ path: e.path, line: e.line, column: e.column, message: e.message });

/**
 * Validates manifests locally with the engine: every document's verdict, every error with its
 * file, line, column and field path. Exits 1 when anything is invalid.
 */
export function validateCommand(options: ValidateOptions): number {
  const files = expandPaths(options.files, options.recursive);
  const verdicts: JsonVerdict[] = [];
  for (const file of files) {
    const label = file === '-' ? '<stdin>' : file;
    const result = validateDocuments(readInput(file), options.namespace ? { defaultNamespace: options.namespace } : {});
    // Syntax errors and limits belong to a document, not to a resource: one verdict per document.
    const byDocument = new Map<number, LocatedError[]>();
    for (const e of result.errors) byDocument.set(e.document, [...(byDocument.get(e.document) ?? []), e]);
    for (const [document, errors] of byDocument) verdicts.push({ file: label, document, valid: false, errors: errors.map(located) });
    for (const d of result.documents) {
      verdicts.push({
        file: label,
        document: d.document,
        ...(d.item !== undefined ? { item: d.item } : {}),
        ...(d.kind ? { kind: d.kind } : {}),
        ...(d.name ? { name: d.name } : {}),
        ...(d.namespace ? { namespace: d.namespace } : {}),
        valid: d.valid,
        errors: d.errors.map(located),
      });
    }
  }
  if (options.output === 'json') {
    info(JSON.stringify(verdicts, null, 2));
  } else {
    for (const v of verdicts) {
      const what = v.kind ? `${v.kind} ${v.namespace ? `${v.namespace}/` : ''}${v.name ?? '(no name)'}` : `document ${v.document + 1}`;
      info(`${v.valid ? 'valid  ' : 'INVALID'}  ${what}  (${v.file}, document ${v.document + 1}${v.item !== undefined ? `, item ${v.item + 1}` : ''})`);
      for (const e of v.errors) info(`           ${v.file}:${e.line}:${e.column}  ${e.path ? `${e.path}: ` : ''}${e.message}`);
    }
    const invalid = verdicts.filter((v) => !v.valid).length;
    info(`${verdicts.length - invalid} valid, ${invalid} invalid`);
  }
  return verdicts.every((v) => v.valid) ? EXIT.OK : EXIT.FAILURE;
}
