import { statSync } from 'node:fs';
import { CHANGE_BYTES, CHANGE_LIMIT_TEXT, RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { parseDocuments } from '@palisade/engine';
import { InputError } from '../errors.js';
import { expandPaths, readInput } from './snapshot-input.js';

export interface ChangeFile {
  name: string;
  documents: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The files of one change, read and held to the change limit here, before anything is sent: a
 * change the gateway would refuse is refused in a sentence naming the limit, and a directory far
 * too large is refused before it is read. A file holds at least one resource, so the file count
 * is held to the resource limit too.
 */
export function readChange(paths: string[], recursive: boolean): ChangeFile[] {
  const found = expandPaths(paths, recursive);
  if (found.length > RESOURCES_PER_CHANGE)
    throw new InputError(`${count(found.length)} files: one change takes at most ${count(RESOURCES_PER_CHANGE)} resources, so at most ${count(RESOURCES_PER_CHANGE)} files; apply them in parts`);
  const size = found.reduce((sum, file) => sum + (file === '-' ? 0 : statSync(file).size), 0);
  if (size > CHANGE_BYTES) throw new InputError(`the files hold ${count(size)} bytes: one change takes at most ${CHANGE_LIMIT_TEXT}; apply them in parts`);
  let resources = 0;
  return found.map((file) => {
    const name = file === '-' ? '<stdin>' : file;
    const documents = readInput(file);
    if (!documents.trim()) throw new InputError(`${name} is empty: there is nothing to apply`);
    // Counted as the gateway counts them (a List's items each count); problems are the gateway's to report.
    const parsed = parseDocuments(documents, { maxDocuments: RESOURCES_PER_CHANGE - resources, maxCharacters: CHANGE_BYTES });
    if (parsed.errors.some((e) => e.code === 'TOO_MANY_DOCUMENTS'))
      throw new InputError(`the files hold more than ${count(RESOURCES_PER_CHANGE)} resources (counted up to ${name}): one change takes at most ${count(RESOURCES_PER_CHANGE)}; apply them in parts`);
    resources += parsed.documents.length;
    return { name, documents };
  });
}

/** The request as it will be sent (file names, JSON escaping and reason included), held to the gateway's limit for it. */
export function checkChangeBody(input: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > CHANGE_BYTES) throw new InputError(`the change is ${count(bytes)} bytes as sent: one change takes at most ${CHANGE_LIMIT_TEXT}; apply it in parts`);
}
