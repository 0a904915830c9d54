import { z } from 'zod';
import { CHANGE_BYTES, RESOURCES_PER_CHANGE } from '@palisade/contracts';

/** Input shapes several routers share. */

/** "<Type>/<namespace>/<name>" or "<Type>/<name>". */
export const KEY = z
  .string()
  .min(3)
  .max(512)
  .regex(/^[A-Za-z]+\/[^\s]+$/, 'a resource key: <Type>/<namespace>/<name> or <Type>/<name>');

/** YAML or JSON text, as a file holds it (the engine caps documents and nesting). */
export const MAX_DOCUMENT_CHARACTERS = 4 * 1024 * 1024;
export const DOCUMENTS = z.string().min(1).max(MAX_DOCUMENT_CHARACTERS);

/** Resources as objects (the engine decodes and validates them). */
export const RESOURCES = z.array(z.unknown()).min(1).max(1_000);

export const REASON = z.string().max(4_096);

/** One change's text, and its resources as objects: as much as one change takes (the domain counts files together). */
export const CHANGE_DOCUMENTS = z.string().min(1).max(CHANGE_BYTES);
export const CHANGE_RESOURCES = z.array(z.unknown()).min(1).max(RESOURCES_PER_CHANGE);
