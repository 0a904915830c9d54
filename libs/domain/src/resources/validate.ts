import { decodeResource, formatPath, keyOf, validateDecoded, validateDocuments, type Resource } from '@palisade/engine';
import { ValidationFailedError, type ResourceProblem } from '../errors.js';

/** Decodes and validates with the engine; all problems of all inputs, or the typed resources. */
export function validateResources(inputs: unknown[] | string): Resource[] {
  const problems: ResourceProblem[] = [];
  const resources: Resource[] = [];
  if (typeof inputs === 'string') {
    const result = validateDocuments(inputs);
    for (const e of result.errors) problems.push({ index: -1, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
    result.documents.forEach((doc, index) => {
      for (const e of doc.errors) problems.push({ index, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
      if (doc.valid && doc.resource) resources.push(doc.resource);
    });
  } else {
    inputs.forEach((raw, index) => {
      const decoded = decodeResource(raw);
      const issues = decoded.resource ? validateDecoded(decoded.resource) : decoded.issues;
      for (const issue of issues) problems.push({ index, path: formatPath(issue.path), message: issue.message });
      if (decoded.resource && issues.length === 0) resources.push(decoded.resource);
    });
  }
  if (problems.length) throw new ValidationFailedError(problems);
  const seen = new Map<string, number>();
  resources.forEach((r, index) => {
    const key = keyOf(r);
    if (seen.has(key)) problems.push({ index, path: 'metadata.name', message: `${key} is also resource ${seen.get(key)} of this input: give each resource once` });
    seen.set(key, index);
  });
  if (problems.length) throw new ValidationFailedError(problems);
  return resources;
}

/**
 * metadata.resourceVersion, as `palisade get` prints it, is the version the writer last saw: a
 * write from an older version is a conflict, not an overwrite. It is never stored.
 */
export function takeResourceVersions(resources: Resource[]): { resources: Resource[]; versions: Map<string, number> } {
  const versions = new Map<string, number>();
  const problems: ResourceProblem[] = [];
  const stripped = resources.map((r, index) => {
    const rv = r.metadata.resourceVersion;
    if (rv === undefined) return r;
    if (!/^\d{1,15}$/.test(rv))
      problems.push({ index, path: 'metadata.resourceVersion', message: `must be a version \`palisade get\` printed (digits), not ${JSON.stringify(rv)}; remove it to overwrite whatever is stored` });
    else versions.set(keyOf(r), Number(rv));
    const { resourceVersion: _dropped, ...metadata } = r.metadata;
    return { ...r, metadata } as Resource;
  });
  if (problems.length) throw new ValidationFailedError(problems);
  return { resources: stripped, versions };
}

/** Files (YAML or JSON text each) validated one by one, so each problem names its file and the file's line; then one list. */
export function validateFiles(files: { name: string; documents: string }[]): Resource[] {
  const resources: Resource[] = [];
  const problems: ResourceProblem[] = [];
  for (const file of files) {
    try {
      resources.push(...validateResources(file.documents));
    } catch (error) {
      if (!(error instanceof ValidationFailedError)) throw error;
      problems.push(...error.problems.map((p) => ({ ...p, file: file.name })));
    }
  }
  if (problems.length) throw new ValidationFailedError(problems);
  return resources;
}
