import { createReadStream } from 'node:fs';
import { parseProbe, ProbeError, type Probe } from '@palisade/engine';
import { InputError } from '../errors.js';
import { JsonArraySplitter, JsonStreamError } from './json-array-stream.js';

/** One probe may not be larger than this (a probe is a few hundred bytes). */
const MAX_PROBE_CHARS = 64 * 1024;

/**
 * Reads probes from a file ('-' for standard input) one at a time, so a file of millions of
 * probes never sits in memory whole: a JSON list ([{...}, ...]) is split element by element, and
 * anything else is read as NDJSON, one probe object per line. Each probe is checked as it is
 * read; a bad one stops the stream with an InputError naming the probe (and the line for NDJSON).
 */
export async function* readProbes(file: string): AsyncGenerator<Probe> {
  const stream = file === '-' ? process.stdin : createReadStream(file);
  stream.setEncoding('utf8');
  let format: 'list' | 'lines' | undefined;
  const splitter = new JsonArraySplitter(MAX_PROBE_CHARS);
  let index = 0;
  let line = 0;
  let pending = '';
  const parse = (text: string, where: string): Probe => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${file}: probe ${index}${where}: not JSON: ${(error as Error).message}`);
    }
    try {
      return parseProbe(raw, index);
    } catch (error) {
      if (error instanceof ProbeError) throw new InputError(`${file}: ${error.message}${where}`);
      throw error;
    }
  };
  try {
    let head = '';
    for await (const piece of stream as AsyncIterable<string>) {
      // Until something other than whitespace arrives the format is unknown: keep what came.
      const chunk = format ? piece : (head += piece);
      format ??= detect(chunk);
      if (format === undefined) continue;
      if (format === 'list') {
        for (const element of splitter.push(chunk)) {
          yield parse(element, '');
          index++;
        }
      } else {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const text = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          line++;
          if (text) {
            yield parse(text, ` (line ${line})`);
            index++;
          }
        }
        if (pending.length > MAX_PROBE_CHARS) throw new InputError(`${file}: line ${line + 1} is longer than ${MAX_PROBE_CHARS} characters`);
      }
    }
  } catch (error) {
    if (error instanceof JsonStreamError) throw new InputError(`${file}: ${error.message} (at character ${error.offset})`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EISDIR')
      throw new InputError(`${file}: cannot read: ${(error as Error).message}`);
    throw error;
  }
  if (format === 'list') {
    try {
      splitter.end();
    } catch (error) {
      if (error instanceof JsonStreamError) throw new InputError(`${file}: ${error.message}`);
      throw error;
    }
  } else if (format === 'lines' && pending.trim()) {
    line++;
    yield parse(pending.trim(), ` (line ${line})`);
  } else if (format === undefined) throw new InputError(`${file}: is empty: expected a JSON list of probes or one probe per line`);
}

/** A JSON list starts with '['; anything else is read as one probe per line. Undefined while only whitespace was seen. */
function detect(chunk: string): 'list' | 'lines' | undefined {
  const first = chunk.trimStart()[0];
  if (first === undefined) return undefined;
  return first === '[' ? 'list' : 'lines';
}
