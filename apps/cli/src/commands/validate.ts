import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { validateDocuments, type LocatedError } from '@palisade/engine';
import { EXIT, info } from '../output.js';

export interface ValidateOptions {
  files: string[];
  output: 'text' | 'json';
  namespace?: string;
  recursive: boolean;
}

const MANIFEST = new Set(['.yaml', '.yml', '.json']);

class InputError extends Error {}

/** FILE, DIR (its .yaml/.yml/.json files, recursively with -R) or - (standard input). */
function expand(path: string, recursive: boolean): string[] {
  if (path === '-') return ['-'];
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path).sort()) {
    const full = join(path, entry);
    const entryStat = statSync(full);
    if (entryStat.isDirectory()) {
      if (recursive) out.push(...expand(full, true));
    } else if (MANIFEST.has(extname(entry).toLowerCase())) {
      out.push(full);
    }
  }
  return out;
}

function read(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
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
  let files: string[];
  try {
    files = options.files.flatMap((f) => expand(f, options.recursive));
  } catch (error) {
    if (error instanceof InputError) {
      process.stderr.write(`palisade validate: ${error.message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
  if (files.length === 0) {
    process.stderr.write('palisade validate: no .yaml, .yml or .json files found\n');
    return EXIT.USAGE;
  }
  const verdicts: JsonVerdict[] = [];
  for (const file of files) {
    const label = file === '-' ? '<stdin>' : file;
    const result = validateDocuments(read(file), options.namespace ? { defaultNamespace: options.namespace } : {});
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
