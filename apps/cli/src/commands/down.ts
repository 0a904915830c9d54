import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { down as stopStack, postgresFallbackRoot, stackPaths } from '@palisade/stack';
import { InputError } from '../errors.js';
import { info, note } from '../output.js';
import { workspaceRoot } from '../workspace.js';

/** What only a stack home holds: a directory without any of these is not deleted by --purge. */
const STACK_MARKERS = ['event.key', 'postgres', 'nats', 'temporal', 'logs'];

export async function down(home: string, purge = false): Promise<number> {
  // Checked before anything is touched: a --home typed wrong gets no lock file, no deletion.
  if (purge) refuseNonStack(home);
  const report = await stopStack(home);
  if (report.stopped.length === 0 && report.left.length === 0) info(`Nothing is running (stack in ${home}).`);
  else info(`Stopped ${report.stopped.join(', ') || 'nothing'}.`);
  if (report.left.length) {
    process.stderr.write(`palisade down: could not stop ${report.left.join(', ')}${purge ? '; nothing was deleted' : ''}\n`);
    return 1;
  }
  if (purge) purgeHome(home);
  return 0;
}

/**
 * Deletes a stopped stack's directory: its PostgreSQL, NATS and Temporal data, keys, the demo's
 * token and logs. Servers named by DATABASE_URL, NATS_URL or TEMPORAL_ADDRESS keep their data.
 */
function refuseNonStack(home: string): void {
  const dir = resolve(home);
  if (!existsSync(dir)) return;
  const refused = [resolve('/'), resolve(homedir()), resolve(workspaceRoot())];
  if (refused.includes(dir) || !STACK_MARKERS.some((m) => existsSync(join(dir, m))))
    throw new InputError(`--purge: ${dir} does not look like a Palisade stack (none of ${STACK_MARKERS.join(', ')} in it); delete it yourself if you mean it`);
}

function purgeHome(home: string): void {
  const dir = resolve(home);
  if (!existsSync(dir)) return void info(`Nothing to delete: ${dir} does not exist.`);
  // The PostgreSQL cluster too, where it had to live outside the home (a home its server user cannot reach).
  rmSync(postgresFallbackRoot(stackPaths(dir).postgres), { recursive: true, force: true });
  rmSync(stackPaths(dir).home, { recursive: true, force: true });
  info(`Deleted the stack's state in ${dir}; the next \`palisade up\` starts afresh.`);
  if (process.env['DATABASE_URL'] || process.env['NATS_URL'] || process.env['TEMPORAL_ADDRESS']) note('servers named by DATABASE_URL, NATS_URL or TEMPORAL_ADDRESS keep their data');
}
