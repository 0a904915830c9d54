import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { palisade, type CliResult } from './cli.js';

/**
 * The CLI as several people at one gateway: each call runs `palisade` with one named token, and
 * files the commands read are written to a private directory. The cross-service tests share it.
 */
export function cliSession(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const tokens: Record<string, string> = {};
  let env: NodeJS.ProcessEnv = {};
  const cli = (args: string[], as = 'admin', timeoutMs = 60_000): Promise<CliResult> => {
    if (!tokens[as]) throw new Error(`no token for ${as}`);
    return palisade(args, { ...env, PALISADE_TOKEN: tokens[as] }, timeoutMs);
  };
  return {
    dir,
    tokens,
    /** The gateway to talk to; the caller's login file is never read (PALISADE_CONFIG points into the session). */
    useGateway(url: string) {
      env = { ...process.env, PALISADE_URL: url, PALISADE_CONFIG: join(dir, 'config.json') };
      delete env['PALISADE_TOKEN'];
    },
    get env() {
      return env;
    },
    cli,
    /** Runs a command with `-o json`, expects exit 0, and parses what it printed. */
    async json<T>(args: string[], as = 'admin'): Promise<T> {
      const r = await cli([...args, '-o', 'json'], as);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
    file(name: string, text: string): string {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Polls until `fn` returns something truthy; the error says what was awaited and, via `context`, what the services logged. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false | null>, options: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.context ? `\n${options.context()}` : ''}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1_000));
  }
}
