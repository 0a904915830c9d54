import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readState, stackPaths } from '@palisade/stack/local';
import { InputError } from '../errors.js';

/** What `palisade login` remembers: the gateway and the token (the file is readable by its owner only). */
const ConfigFile = z.object({ server: z.url(), token: z.string().min(1) }).strict();
type ConfigFile = z.infer<typeof ConfigFile>;

export interface Remote {
  url: string;
  token: string;
}

/**
 * Where the login is kept: $PALISADE_CONFIG, else the stack's own file when PALISADE_HOME names a
 * stack (so two local stacks on one machine keep separate logins), else the user's config
 * directory.
 */
export function configPath(): string {
  if (process.env['PALISADE_CONFIG']) return process.env['PALISADE_CONFIG'];
  if (process.env['PALISADE_HOME']) return join(resolve(process.env['PALISADE_HOME']), 'login.json');
  const base = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'palisade', 'config.json');
}

function readConfig(): ConfigFile | undefined {
  const path = configPath();
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path} is not valid JSON (${(error as Error).message}); run \`palisade login\` again`);
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) throw new InputError(`${path}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}; run \`palisade login\` again`);
  return parsed.data;
}

/** Writes the config atomically, owner-only (it holds a secret). */
export function writeConfig(config: ConfigFile): string {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}

/** The local stack's gateway, when `palisade up` is running one. */
function localGateway(home: string | undefined): string | undefined {
  if (!home) return undefined;
  try {
    return readState(stackPaths(home).state)?.processes['gateway']?.url;
  } catch {
    return undefined;
  }
}

/**
 * The gateway and token to use: PALISADE_URL / PALISADE_TOKEN, else what `palisade login` saved,
 * else (for the URL) the local stack's gateway.
 */
export function resolveServer(home?: string): string {
  const url = process.env['PALISADE_URL'] || readConfig()?.server || localGateway(home);
  if (!url) throw new InputError('no gateway: set PALISADE_URL, run `palisade login --server URL`, or start the local stack with `palisade up`');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new InputError(`PALISADE_URL ${JSON.stringify(url)} is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}

export function resolveRemote(home?: string): Remote {
  const url = resolveServer(home);
  const token = process.env['PALISADE_TOKEN'] || readConfig()?.token;
  if (!token) throw new InputError('no API token: set PALISADE_TOKEN or run `palisade login` (an admin creates tokens with `palisade token create`)');
  return { url, token };
}
