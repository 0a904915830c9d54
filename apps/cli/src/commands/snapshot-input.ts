import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { buildSnapshot, validateDocuments, type Snapshot, type SnapshotInput } from '@palisade/engine';
import { InputError } from '../errors.js';

const MANIFEST = new Set(['.yaml', '.yml', '.json']);

/** FILE, DIR (its .yaml/.yml/.json files, recursively with `recursive`) or - (standard input). */
export function expandPaths(paths: string[], recursive: boolean): string[] {
  const expand = (path: string): string[] => {
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
      if (statSync(full).isDirectory()) {
        if (recursive) out.push(...expand(full));
      } else if (MANIFEST.has(extname(entry).toLowerCase())) out.push(full);
    }
    return out;
  };
  const files = paths.flatMap(expand);
  if (files.length === 0) throw new InputError('no .yaml, .yml or .json files found');
  return files;
}

export function readInput(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}

/**
 * Reads every file into one snapshot. Invalid documents and an inconsistent snapshot are errors
 * naming the file, line and field; nothing is evaluated on a snapshot that has them.
 */
export function loadSnapshot(paths: string[], recursive = false): Snapshot {
  const inputs: SnapshotInput[] = [];
  const origins: string[] = [];
  const problems: string[] = [];
  for (const file of expandPaths(paths, recursive)) {
    const label = file === '-' ? '<stdin>' : file;
    const result = validateDocuments(readInput(file));
    for (const e of result.errors) problems.push(`${label}:${e.line}:${e.column}: ${e.message}`);
    for (const doc of result.documents) {
      for (const e of doc.errors) problems.push(`${label}:${e.line}:${e.column}: ${doc.kind ?? 'document'} ${doc.name ?? ''}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
      if (doc.resource) {
        inputs.push({ resource: doc.resource, document: origins.length });
        origins.push(`${label}:${doc.line}`);
      }
    }
  }
  if (problems.length) throw new InputError(`the snapshot has invalid documents:\n  ${problems.join('\n  ')}`);
  const snapshot = buildSnapshot(inputs);
  if (snapshot.errors.length) {
    const lines = snapshot.errors.map((e) => `${e.message} (${e.refs.map((r) => `${r.document !== undefined ? origins[r.document] : r.type} ${r.field ?? ''}`.trim()).join('; ')})`);
    throw new InputError(`the snapshot is inconsistent:\n  ${lines.join('\n  ')}`);
  }
  return snapshot;
}
