import { existsSync, readFileSync } from 'node:fs';
import { AgentSettings } from '@palisade/contracts';
import { parse as parseYaml } from 'yaml';

/** Settings that cannot be used, with every problem named by its field and where it came from. */
export class AgentSettingsError extends Error {
  override readonly name = 'AgentSettingsError';
}

export interface AgentSettingsSources {
  config?: string;
  gateway?: string;
  cluster?: string;
  node?: string;
  dataplane?: string;
  joinTokenFile?: string;
  stateDir?: string;
  inventory?: string;
  /** Read this node's pods from the Kubernetes API (flag --kubernetes, PALISADE_AGENT_KUBERNETES=true). */
  kubernetes?: boolean | string;
  natsUrl?: string;
  traffic?: string;
  failsafeIn?: string[];
  failsafeOut?: string[];
}

/** Environment variables `agent run` reads, below flags and above the configuration file. */
const ENV: Record<string, keyof AgentSettingsSources> = {
  PALISADE_AGENT_GATEWAY: 'gateway',
  PALISADE_AGENT_CLUSTER: 'cluster',
  PALISADE_AGENT_NODE: 'node',
  PALISADE_AGENT_DATAPLANE: 'dataplane',
  PALISADE_AGENT_JOIN_TOKEN_FILE: 'joinTokenFile',
  PALISADE_AGENT_STATE_DIR: 'stateDir',
  PALISADE_AGENT_INVENTORY: 'inventory',
  PALISADE_AGENT_KUBERNETES: 'kubernetes',
  PALISADE_AGENT_NATS_URL: 'natsUrl',
  PALISADE_AGENT_TRAFFIC: 'traffic',
};

/** The configuration file, then the environment, then flags: each later one wins, field by field. */
export function loadAgentSettings(options: AgentSettingsSources, env: Record<string, string | undefined> = process.env): AgentSettings {
  let file: Record<string, unknown> = {};
  if (options.config) {
    if (!existsSync(options.config)) throw new AgentSettingsError(`${options.config}: no such configuration file`);
    try {
      const parsed: unknown = parseYaml(readFileSync(options.config, 'utf8'));
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('it must be a mapping of settings');
      file = (parsed ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw new AgentSettingsError(`${options.config}: ${(error as Error).message}`);
    }
  }
  const fromEnv: AgentSettingsSources = {};
  for (const [variable, key] of Object.entries(ENV)) if (env[variable]) (fromEnv as Record<string, string>)[key] = env[variable]!;
  const given = { ...fromEnv, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as AgentSettingsSources;
  const merged: Record<string, unknown> = { ...file };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) merged[key] = value;
  };
  set('gateway', given.gateway);
  set('cluster', given.cluster);
  set('node', given.node);
  set('dataplane', given.dataplane);
  set('joinTokenFile', given.joinTokenFile);
  set('stateDir', given.stateDir);
  set('inventoryFile', given.inventory);
  set('natsUrl', given.natsUrl);
  const kubernetes = given.kubernetes;
  if (kubernetes === true || kubernetes === 'true' || kubernetes === '1') merged['kubernetes'] = { ...((merged['kubernetes'] as object | undefined) ?? {}) };
  else if (kubernetes !== undefined && kubernetes !== false && kubernetes !== 'false' && kubernetes !== '0')
    throw new AgentSettingsError(`PALISADE_AGENT_KUBERNETES: must be true or false, not ${JSON.stringify(kubernetes)}`);
  set('trafficFile', given.traffic);
  if (given.failsafeIn || given.failsafeOut) {
    const base = (merged['failsafe'] ?? {}) as Record<string, unknown>;
    merged['failsafe'] = { ...base, ...(given.failsafeIn ? { inbound: given.failsafeIn } : {}), ...(given.failsafeOut ? { outbound: given.failsafeOut } : {}) };
  }
  const checked = AgentSettings.safeParse(merged);
  if (!checked.success) {
    const where = options.config ? `${options.config} (with flags and PALISADE_AGENT_* variables)` : 'agent settings';
    const missing = (field: string) => merged[field] === undefined;
    const message = (i: (typeof checked.error.issues)[number]) => {
      const field = i.path.join('.');
      if (i.code === 'invalid_type' && i.path.length === 1 && missing(field))
        return `${field}: required (in the configuration file, --${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or PALISADE_AGENT_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()})`;
      return `${field || 'settings'}: ${i.message}`;
    };
    throw new AgentSettingsError(`${where}: ${checked.error.issues.map(message).join('; ')}`);
  }
  return checked.data;
}
