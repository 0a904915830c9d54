import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { palisade, palisadeBin, root, type CliResult } from './cli.js';

/**
 * The CLI as several people at one gateway: each call runs `palisade` with one named token, and
 * files the commands read are written to a private directory. The cross-service tests share it.
 */
export function cliSession(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const tokens: Record<string, string> = {};
  let env: NodeJS.ProcessEnv = {};
  let fleetLog = '';
  const cli = (args: string[], as = 'admin', timeoutMs = 60_000): Promise<CliResult> => {
    if (!tokens[as]) throw new Error(`no token for ${as}`);
    return palisade(args, { ...env, PALISADE_TOKEN: tokens[as] }, timeoutMs);
  };
  return {
    dir,
    tokens,
    /** The gateway to talk to (`extra`: more environment for every command); the caller's login file is never read (PALISADE_CONFIG points into the session). */
    useGateway(url: string, extra: Record<string, string> = {}) {
      env = { ...process.env, ...extra, PALISADE_URL: url, PALISADE_CONFIG: join(dir, 'config.json') };
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
    /** Registers clusters labelled env=<value>, as an admin. */
    async registerClusters(envs: Record<string, string>): Promise<void> {
      for (const [name, env] of Object.entries(envs)) expect((await cli(['cluster', 'register', name, '-l', `env=${env}`])).code).toBe(0);
    },
    /**
     * `palisade agent simulate` for these clusters (one node each, the shop's six pods, flows every
     * second) as the admin, resolved once every agent runs; `log` keeps what it printed across starts.
     */
    async startFleet(clusters: string[], mix: string, context: () => string): Promise<ChildProcess> {
      const started = fleetLog.length;
      writeFileSync(join(dir, 'mix.yaml'), mix);
      const child = spawn(
        process.execPath,
        [palisadeBin, 'agent', 'simulate', '--clusters', clusters.join(','), '--nodes', '1', '--endpoints-per-node', '6', '--traffic', join(dir, 'mix.yaml'), '--flow-interval', '1'],
        { cwd: root, env: { ...env, PALISADE_TOKEN: tokens['admin'] }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (c: Buffer) => (fleetLog += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (fleetLog += c.toString()));
      const running = `${clusters.length}/${clusters.length} agents running`;
      await eventually('the simulated agents to run', async () => fleetLog.slice(started).includes(running), { timeoutMs: 90_000, intervalMs: 500, context });
      return child;
    },
    fleetLog: () => fleetLog,
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
