import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findWorkspaceRoot, StackError } from '@palisade/stack/local';

const checkout = () => findWorkspaceRoot(import.meta.dirname) ?? findWorkspaceRoot(process.cwd());

/** The checkout this CLI belongs to (found from the CLI's own location, else the current directory). */
export function workspaceRoot(): string {
  const root = checkout();
  if (!root) {
    throw new StackError('BAD_CONFIG', 'stack', 'not inside a Palisade checkout', 'Run palisade up|down|status from the repository.');
  }
  return root;
}

/** Where the local stack keeps its state: --home, else PALISADE_HOME, else <checkout>/.palisade. */
export function stackHome(option: string | undefined): string {
  if (option) return resolve(option);
  if (process.env['PALISADE_HOME']) return resolve(process.env['PALISADE_HOME']);
  return join(workspaceRoot(), '.palisade');
}

/** The local stack's directory when there is one to look in: commands that talk to the gateway fall back to its gateway. */
export function localStackHome(): string | undefined {
  return process.env['PALISADE_HOME'] || checkout() ? stackHome(undefined) : undefined;
}

export interface Artefacts {
  gateway: string;
  worker: string;
  consoleDir: string;
  consoleBuilt: boolean;
  nextBin: string;
  /** This CLI's entry point, for processes that are CLI commands (the demo's simulated agents). */
  cli: string;
}

export function artefacts(root: string): Artefacts {
  const consoleDir = join(root, 'apps', 'console');
  return {
    gateway: join(root, 'apps', 'gateway', 'dist', 'main.js'),
    worker: join(root, 'apps', 'worker', 'dist', 'main.js'),
    consoleDir,
    consoleBuilt: existsSync(join(consoleDir, '.next', 'BUILD_ID')),
    nextBin: join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
    cli: join(root, 'apps', 'cli', 'bin', 'palisade.js'),
  };
}

export function requireBuilt(a: Artefacts, withConsole: boolean): void {
  const missing = [...(existsSync(a.gateway) ? [] : ['apps/gateway']), ...(existsSync(a.worker) ? [] : ['apps/worker']), ...(withConsole && !a.consoleBuilt ? ['apps/console'] : [])];
  if (missing.length) {
    throw new StackError('BAD_CONFIG', 'stack', `not built: ${missing.join(', ')}`, 'Run `npm run build` (or `npm run up`, which builds first).');
  }
}
