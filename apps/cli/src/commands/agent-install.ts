import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AgentSettingsInput } from '@palisade/contracts';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info } from '../output.js';
import { checkSettings, DEFAULT_PATHS, renderAgentInstall, START_COMMANDS } from '../agent/install.js';

export interface AgentInstallOptions {
  gateway: string;
  cluster: string;
  node?: string;
  dataplane: string;
  joinTokenFile?: string;
  failsafeIn?: string[];
  failsafeOut?: string[];
  /** Write under this directory instead of / (packaging, tests). */
  root: string;
  force: boolean;
}

/** Writes the agent's configuration and systemd unit for this host, and prints how to start it. */
export async function agentInstallCommand(options: AgentInstallOptions): Promise<number> {
  const input: AgentSettingsInput = {
    gateway: options.gateway,
    cluster: options.cluster,
    node: options.node ?? hostname().toLowerCase(),
    dataplane: options.dataplane as 'nftables',
    ...(options.joinTokenFile ? { joinTokenFile: options.joinTokenFile } : {}),
    ...(options.failsafeIn || options.failsafeOut
      ? { failsafe: { ...(options.failsafeIn ? { inbound: options.failsafeIn } : {}), ...(options.failsafeOut ? { outbound: options.failsafeOut } : {}) } }
      : {}),
  };
  try {
    checkSettings(input);
  } catch (error) {
    throw new InputError(`agent settings: ${(error as Error).message}`);
  }
  // Absolute paths: systemd runs the command without a shell or PATH lookups of ours.
  const files = renderAgentInstall(input, { ...DEFAULT_PATHS, palisade: [process.execPath, resolve(process.argv[1]!)] });
  const root = resolve(options.root);
  const targets = files.map((f) => ({ ...f, target: join(root, f.path) }));
  const existing = targets.filter((t) => existsSync(t.target));
  if (existing.length && !options.force) throw new InputError(`${existing.map((t) => t.target).join(' and ')} already exist${existing.length === 1 ? 's' : ''}: pass --force to replace`);
  for (const t of targets) {
    mkdirSync(dirname(t.target), { recursive: true });
    writeFileSync(t.target, t.content, { mode: t.mode });
    chmodSync(t.target, t.mode);
    info(`wrote ${t.target}`);
  }
  info(`Start it with:\n${START_COMMANDS.map((c) => `  ${c}`).join('\n')}`);
  return EXIT.OK;
}
