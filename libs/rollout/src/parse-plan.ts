import { LineCounter, parseAllDocuments } from 'yaml';
import { formatPath, locatePath, parseSelector, SelectorParseError } from '@palisade/engine';
import { RolloutPlan } from './plan.js';

/** A plan file larger than this is refused before it is parsed. */
export const MAX_PLAN_CHARACTERS = 256 * 1024;

/** A problem in a plan, where it is: "spec.waves[1].soakTime" at line 12, column 7. */
export interface PlanError {
  path: string;
  line: number;
  column: number;
  message: string;
}

export type PlanParseResult = { plan: RolloutPlan; errors: [] } | { plan?: undefined; errors: PlanError[] };

/** Reads a RolloutPlan from YAML (or JSON): the document checked field by field, its selectors parsed, every problem located. */
export function parsePlan(text: string): PlanParseResult {
  if (text.length > MAX_PLAN_CHARACTERS) return { errors: [{ path: '', line: 1, column: 1, message: `the plan is ${text.length} characters: at most ${MAX_PLAN_CHARACTERS}` }] };
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (!Array.isArray(docs)) return { errors: [{ path: '', line: 1, column: 1, message: 'the plan is empty' }] };
  const syntax = docs.flatMap((d) => d.errors).map((e) => ({ path: '', ...at(e.pos[0]), message: e.message.split('\n')[0]! }));
  if (syntax.length) return { errors: syntax };
  const present = docs.filter((d) => d.contents !== null);
  if (present.length === 0) return { errors: [{ path: '', line: 1, column: 1, message: 'the plan is empty' }] };
  if (present.length > 1) return { errors: [{ path: '', ...at(present[1]!.range[0]), message: 'a plan file holds one RolloutPlan; this is a second document' }] };
  const doc = present[0]!;
  const locate = (path: readonly (string | number)[]) => locatePath(doc.contents, path, lines) ?? { line: 1, column: 1 };
  const checked = RolloutPlan.safeParse(doc.toJS());
  if (!checked.success) {
    const errors = checked.error.issues.map((i) => {
      const path = i.path.filter((s): s is string | number => typeof s !== 'symbol');
      return { path: formatPath(path), ...locate(path), message: issueMessage(i) };
    });
    return { errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  const plan = checked.data;
  const errors: PlanError[] = [];
  const problem = (path: (string | number)[], message: string) => errors.push({ path: formatPath(path), ...locate(path), message });
  const selector = (path: (string | number)[], text: string | undefined) => {
    if (text === undefined) return;
    try {
      parseSelector(text);
    } catch (error) {
      if (error instanceof SelectorParseError) problem(path, `${error.reason} at position ${error.position} of the selector`);
      else throw error;
    }
  };
  selector(['spec', 'targets', 'clusterSelector'], plan.spec.targets?.clusterSelector);
  const names = new Map<string, number>();
  plan.spec.waves.forEach((wave, i) => {
    const at = ['spec', 'waves', i];
    if (names.has(wave.name)) problem([...at, 'name'], `wave ${wave.name} is already the name of wave ${names.get(wave.name)! + 1}`);
    names.set(wave.name, i);
    selector([...at, 'clusterSelector'], wave.clusterSelector);
    if (wave.clusterSelector !== undefined && wave.clusters) problem([...at, 'clusters'], 'name clusters or select them (clusterSelector), not both');
    const takesTheRest = wave.clusterSelector === undefined && !wave.clusters && wave.percent === undefined;
    if (takesTheRest && i < plan.spec.waves.length - 1)
      problem([...at, 'name'], `wave ${wave.name} takes every cluster left, so waves after it would get none: make it the last wave or give it a clusterSelector`);
  });
  return errors.length ? { errors } : { plan, errors: [] };
}

function issueMessage(issue: { code: string; message: string; path: PropertyKey[]; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `${issue.keys.map((k) => JSON.stringify(k)).join(', ')} ${issue.keys.length > 1 ? 'are not fields' : 'is not a field'} here`;
  return issue.message;
}
