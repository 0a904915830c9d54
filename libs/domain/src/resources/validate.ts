import { CHANGE_BYTES, CHANGE_LIMIT_TEXT, RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { decodeResource, formatPath, keyOf, validateDecoded, validateDocuments, type Resource } from '@palisade/engine';
import { DomainError, ValidationFailedError, type ResourceProblem } from '../errors.js';

const count = (n: number) => n.toLocaleString('en-US');

/** A change is all or nothing, so a change over the limit is refused whole, before anything is written. */
function tooManyResources(where = ''): DomainError {
  return new DomainError(
    'VALIDATION_FAILED',
    `the change has more than ${count(RESOURCES_PER_CHANGE)} resources${where}: one change takes at most ${count(RESOURCES_PER_CHANGE)}; apply them in parts`,
  );
}

function checkTextSize(characters: number): void {
  if (characters > CHANGE_BYTES) throw new DomainError('VALIDATION_FAILED', `the change is ${count(characters)} characters of text: one change takes at most ${CHANGE_LIMIT_TEXT}; apply it in parts`);
}

interface Checked {
  resources: Resource[];
  problems: ResourceProblem[];
  /** Resources the input held, valid or not: what counts against the change's limit. */
  count: number;
}

/** One text, validated by the engine with what is left of the change's resource limit. */
function checkText(text: string, budget: number, where = ''): Checked {
  const problems: ResourceProblem[] = [];
  const resources: Resource[] = [];
  // The engine's own caps are for a single input; a change's come from the change's limit.
  const result = validateDocuments(text, { maxDocuments: budget, maxCharacters: CHANGE_BYTES });
  if (result.errors.some((e) => e.code === 'TOO_MANY_DOCUMENTS')) throw tooManyResources(where);
  for (const e of result.errors) problems.push({ index: -1, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
  result.documents.forEach((doc, index) => {
    for (const e of doc.errors) problems.push({ index, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
    if (doc.valid && doc.resource) resources.push(doc.resource);
  });
  return { resources, problems, count: result.documents.length };
}

function checkObjects(inputs: unknown[]): Checked {
  if (inputs.length > RESOURCES_PER_CHANGE) throw tooManyResources();
  const problems: ResourceProblem[] = [];
  const resources: Resource[] = [];
  inputs.forEach((raw, index) => {
    const decoded = decodeResource(raw);
    const issues = decoded.resource ? validateDecoded(decoded.resource) : decoded.issues;
    for (const issue of issues) problems.push({ index, path: formatPath(issue.path), message: issue.message });
    if (decoded.resource && issues.length === 0) resources.push(decoded.resource);
  });
  return { resources, problems, count: inputs.length };
}

/** The same resource twice in one change is a mistake, not a last-one-wins; with files, each is named. */
function refuseDuplicates(resources: Resource[], files?: string[]): void {
  const problems: ResourceProblem[] = [];
  const seen = new Map<string, number>();
  resources.forEach((r, index) => {
    const key = keyOf(r);
    const first = seen.get(key);
    if (first !== undefined)
      problems.push({
        ...(files ? { file: files[index]! } : {}),
        index,
        path: 'metadata.name',
        message: `${key} is also ${files ? `in ${files[first]}` : `resource ${first} of this input`}: give each resource once`,
      });
    else seen.set(key, index);
  });
  if (problems.length) throw new ValidationFailedError(problems);
}

/**
 * Decodes and validates with the engine; all problems of all inputs, or the typed resources. One
 * input is one change: more resources or text than a change takes is refused (a DomainError).
 */
export function validateResources(inputs: unknown[] | string): Resource[] {
  if (typeof inputs === 'string') checkTextSize(inputs.length);
  const checked = typeof inputs === 'string' ? checkText(inputs, RESOURCES_PER_CHANGE) : checkObjects(inputs);
  if (checked.problems.length) throw new ValidationFailedError(checked.problems);
  refuseDuplicates(checked.resources);
  return checked.resources;
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

/**
 * Files (YAML or JSON text each) validated one by one, so each problem names its file and the
 * file's line; then one list. The files are one change: the limit counts all of them together.
 */
export function validateFiles(files: { name: string; documents: string }[]): Resource[] {
  checkTextSize(files.reduce((sum, f) => sum + f.documents.length, 0));
  const resources: Resource[] = [];
  const problems: ResourceProblem[] = [];
  const origins: string[] = [];
  let counted = 0;
  for (const file of files) {
    const checked = checkText(file.documents, RESOURCES_PER_CHANGE - counted, ` (counted up to ${file.name})`);
    counted += checked.count;
    resources.push(...checked.resources);
    origins.push(...checked.resources.map(() => file.name));
    problems.push(...checked.problems.map((p) => ({ ...p, file: file.name })));
  }
  if (problems.length) throw new ValidationFailedError(problems);
  refuseDuplicates(resources, origins);
  return resources;
}
