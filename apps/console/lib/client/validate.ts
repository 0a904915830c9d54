import { validateDocuments, type Resource } from '@palisade/engine';

/** A problem the engine found, placed in the text: 1-based line and column, and the span to underline. */
export interface LocatedProblem {
  line: number;
  column: number;
  path: string;
  message: string;
  from: number;
  to: number;
}

export interface TextVerdict {
  valid: boolean;
  problems: LocatedProblem[];
  /** The resources the text holds, when every one is valid. */
  resources: Resource[];
}

/**
 * Validates YAML the way the gateway will (the same engine, running in the browser), with each
 * problem placed where the editor can underline it: from its line and column to the line's end.
 */
export function validateText(text: string): TextVerdict {
  const result = validateDocuments(text);
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const place = (line: number, column: number) => {
    const index = Math.min(Math.max(line, 1), starts.length) - 1;
    const start = starts[index]!;
    const end = index + 1 < starts.length ? starts[index + 1]! - 1 : text.length;
    const from = Math.min(start + Math.max(column, 1) - 1, end);
    return { from, to: Math.max(end, from) };
  };
  const errors = [...result.errors, ...result.documents.flatMap((d) => d.errors)];
  const problems = errors.map((e) => ({ line: e.line, column: e.column, path: e.path, message: e.message, ...place(e.line, e.column) })).sort((a, b) => a.from - b.from);
  const resources = result.valid ? result.documents.flatMap((d) => (d.resource ? [d.resource] : [])) : [];
  return { valid: result.valid && resources.length > 0, problems, resources };
}
