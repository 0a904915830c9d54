import { readState, stackPaths, Supervisor } from '@palisade/stack';
import { InputError } from '../errors.js';
import { artefacts, workspaceRoot } from '../workspace.js';
import { platformSpecs, portsOf } from './platform.js';

/** Written once the supervisor watches: `palisade up --detach` waits for it. */
export const SUPERVISING = 'supervising';

/**
 * `palisade supervise` (started by `palisade up --detach`, not by people): keeps a detached
 * stack's worker, gateway and console running, restarting one that exits with the command it was
 * started with, until `palisade down` stops it or a process keeps dying.
 */
export async function supervise(home: string): Promise<number> {
  const state = readState(stackPaths(home).state);
  const ports = state && portsOf(state);
  if (!state || !ports) throw new InputError(`no running stack in ${home} to supervise (start one with palisade up --detach)`);
  const specs = platformSpecs(artefacts(workspaceRoot()), state, home, ports);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => abort.abort());
  log(`${SUPERVISING} ${specs.map((s) => s.name).join(', ')} in ${home}`);
  const outcome = await new Supervisor(home, specs, log).run(abort.signal);
  if ('gaveUp' in outcome) {
    log(`giving up: ${outcome.gaveUp}; \`palisade status\` shows what runs, \`palisade down\` stops the rest`);
    return 1;
  }
  log('stopped');
  return 0;
}
