import { AgentSettings, type AgentSettingsInput } from '@palisade/contracts';
import { stringify } from 'yaml';

export const UNIT_NAME = 'palisade-agent.service';

export interface InstallPaths {
  /** The agent's configuration, as the unit names it. */
  config: string;
  unit: string;
  /** The command line that starts `palisade` (absolute paths: systemd runs no shell). */
  palisade: string[];
}

export const DEFAULT_PATHS: Omit<InstallPaths, 'palisade'> = { config: '/etc/palisade/agent.yaml', unit: `/etc/systemd/system/${UNIT_NAME}` };

export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}

/** Settings checked as `agent run` will check them, with every problem named by its field. */
export function checkSettings(input: AgentSettingsInput): AgentSettings {
  const parsed = AgentSettings.safeParse(input);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '));
  return parsed.data;
}

/**
 * The configuration file and the systemd unit for one host. The unit runs the agent as root with
 * only the capabilities nftables needs (none for the simulated dataplane), a read-only system, no
 * access to home directories, and a state directory of its own; systemd restarts it when it exits.
 */
export function renderAgentInstall(input: AgentSettingsInput, paths: InstallPaths): RenderedFile[] {
  const settings = checkSettings(input);
  const caps = settings.dataplane === 'nftables' ? 'CAP_NET_ADMIN CAP_NET_RAW' : '';
  const quote = (arg: string) => (/^[\w./:=@+-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`);
  const unit = [
    '[Unit]',
    `Description=Palisade agent: enforces cluster ${settings.cluster}'s network policy on this node`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[...paths.palisade, 'agent', 'run', '--config', paths.config].map(quote).join(' ')}`,
    'Restart=always',
    'RestartSec=2',
    // Only what programming nftables takes; the simulated dataplane takes nothing.
    `CapabilityBoundingSet=${caps}`,
    `AmbientCapabilities=${caps}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    // /var/lib/palisade-agent: credentials and the last good ruleset survive restarts.
    `StateDirectory=${settings.stateDir.replace(/^\/var\/lib\//, '')}`,
    'StateDirectoryMode=0700',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  const config = `# Palisade agent (palisade agent install). Check it with: palisade agent install --help\n${stringify(input)}`;
  return [
    // The join token's file may sit beside it: readable by root only.
    { path: paths.config, content: config, mode: 0o600 },
    { path: paths.unit, content: unit, mode: 0o644 },
  ];
}

/** What the operator runs next. */
export const START_COMMANDS = ['systemctl daemon-reload', `systemctl enable --now ${UNIT_NAME}`];
