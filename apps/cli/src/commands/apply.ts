import { parseProbes, ProbeError, validateDocuments, type Resource } from '@palisade/engine';
import { readFileSync } from 'node:fs';
import { CHANGE_BYTES, RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { InputError, LocalValidationError, type Problem } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { checkChangeBody, readChange, type ChangeFile } from './change-input.js';

export interface ApplyOptions {
  files: string[];
  recursive: boolean;
  reason?: string;
  dryRun: boolean;
  flows?: string;
  output: 'text' | 'json';
}

/** Local validation, for the dry run's preview (which takes resources): errors name file and line. */
function localResources(files: ChangeFile[]): Resource[] {
  const problems: Problem[] = [];
  const resources: Resource[] = [];
  for (const f of files) {
    const result = validateDocuments(f.documents, { maxCharacters: CHANGE_BYTES, maxDocuments: RESOURCES_PER_CHANGE });
    for (const e of [...result.errors, ...result.documents.flatMap((d) => d.errors)])
      problems.push({ file: f.name, index: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
    for (const d of result.documents) if (d.valid && d.resource) resources.push(d.resource);
  }
  if (problems.length) throw new LocalValidationError(problems);
  return resources;
}

/**
 * Creates or updates resources from files, as one change: all of them or none. Prints what
 * changed. With --dry-run, nothing is written: the gateway previews which endpoints each policy
 * would newly select or stop selecting, and which of the --flows would change verdict.
 */
export async function applyCommand(remote: Remote, options: ApplyOptions): Promise<number> {
  const files = readChange(options.files, options.recursive);
  const api = connect(remote);
  if (options.dryRun) {
    const resources = localResources(files);
    let flows: unknown[] | undefined;
    if (options.flows) {
      try {
        flows = JSON.parse(readFileSync(options.flows, 'utf8')) as unknown[];
        parseProbes(flows);
      } catch (error) {
        throw new InputError(`${options.flows}: ${error instanceof ProbeError ? error.message : `not a JSON list of flows: ${(error as Error).message}`}`);
      }
    }
    const preview = await call(remote, () => api.policy.preview.query({ resources, ...(flows ? { flows } : {}) }));
    if (options.output === 'json') {
      info(JSON.stringify(preview, null, 2));
      return EXIT.OK;
    }
    info(`dry run: nothing was written (state at position ${preview.position})`);
    if (preview.selection.length === 0) info('no policy would select or stop selecting any endpoint');
    for (const s of preview.selection) {
      info(`${s.policy} (${s.change}${s.staged ? ', staged' : ''}, tier ${s.tier}): +${s.selectedCount} selected, -${s.unselectedCount} unselected`);
      for (const e of s.selected) info(`  + ${e}`);
      for (const e of s.unselected) info(`  - ${e}`);
    }
    if (flows) {
      info(`${preview.flows.changed.length} of ${preview.flows.evaluated} flows would change verdict`);
      for (const c of preview.flows.changed)
        info(
          `  ${c.flow.from} -> ${c.flow.to} ${c.flow.protocol}${c.flow.port ? `/${c.flow.port}` : ''}: ${c.before.allowed ? 'ALLOWED' : 'DENIED'} -> ${c.after.allowed ? 'ALLOWED' : 'DENIED'} (${c.after.by})`,
        );
      for (const e of preview.flows.errors) info(`  flow ${e.index}: ${e.message}`);
    }
    return EXIT.OK;
  }
  const input = { files, ...(options.reason ? { reason: options.reason } : {}) };
  checkChangeBody(input);
  const result = await call(remote, () => api.resources.put.mutate(input));
  if (options.output === 'json') {
    info(JSON.stringify(result, null, 2));
    return EXIT.OK;
  }
  info(table([['RESOURCE', 'RESULT', 'VERSION'], ...result.changes.map((c) => [c.key, c.op, String(c.version)])]));
  const applied = result.changes.filter((c) => c.op === 'applied').length;
  info(`${applied} applied, ${result.changes.length - applied} unchanged${applied ? ` (revision ${result.revision}, correlation ${result.correlationId})` : ''}`);
  return EXIT.OK;
}
