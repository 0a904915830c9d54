import type { Remote } from '../remote/config.js';
import { commandTracing } from '../tracing.js';

// What a command's action needs beyond its own implementation is loaded on use as well: the
// reporter and the login file read the stack's, the contracts' and zod's modules, which
// `palisade --version` and `--help` do without.

/** Reports a failure through output.ts, the one place that gives each error type its message and exit code. */
export async function reportFailure(command: string | undefined, error: unknown): Promise<number> {
  return (await import('../output.js')).report(command, error);
}

/** Runs a command: what it returns, or the report of what it threw, becomes the process's exit code. */
export function action<A extends unknown[]>(command: string, run: (...args: A) => Promise<number> | number): (...args: A) => Promise<void> {
  return async (...args) => {
    let tracing: Awaited<ReturnType<typeof commandTracing>> = undefined;
    try {
      tracing = await commandTracing(command);
      process.exitCode = tracing ? await tracing.run(async () => run(...args)) : await run(...args);
    } catch (error) {
      process.exitCode = await reportFailure(command, error);
    } finally {
      await tracing?.flush().catch(() => undefined);
    }
  };
}

/** --home, else $PALISADE_HOME, else <checkout>/.palisade. */
export async function stackHome(option: string | undefined): Promise<string> {
  return (await import('../workspace.js')).stackHome(option);
}

/** The gateway and token: PALISADE_URL and PALISADE_TOKEN, else the login file, else (for the URL) the local stack's gateway. */
export async function gateway(): Promise<Remote> {
  const [{ resolveRemote }, { localStackHome }] = await Promise.all([import('../remote/config.js'), import('../workspace.js')]);
  return resolveRemote(localStackHome());
}
