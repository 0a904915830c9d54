import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption } from './options.js';

const implementation = () => import('../commands/agent-install.js');
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** `palisade agent` (install) and `palisade agents`. */
export function register(program: Command): void {
  const agent = program.command('agent').description("the per-node agent that enforces its cluster's policy");
  agent
    .command('install')
    .description('write the agent configuration and a systemd unit for this host, and print how to start it')
    .requiredOption('--gateway <url>', 'the gateway the agent joins through')
    .requiredOption('--cluster <name>', 'the cluster this node belongs to')
    .option('--node <name>', "this node's name (default: the host name)")
    .option('--dataplane <kind>', 'nftables (enforce in the kernel) or simulated', 'nftables')
    .option('--join-token-file <path>', 'a file holding the join token `palisade cluster join-token` printed')
    .option('--failsafe-in <proto:port>', 'an inbound port never blocked (repeat; default: Felix failsafe ports)', collect)
    .option('--failsafe-out <proto:port>', 'an outbound port never blocked (repeat)', collect)
    .option('--root <dir>', 'write under this directory instead of / (packaging)', '/')
    .option('--force', 'replace an existing configuration and unit', false)
    .addHelpText('after', '\nWrites /etc/palisade/agent.yaml (mode 0600) and /etc/systemd/system/palisade-agent.service.\nKubernetes: see infra/agent/ for the DaemonSet.')
    .action(action('agent install', async (opts: Parameters<Awaited<ReturnType<typeof implementation>>['agentInstallCommand']>[0]) => (await implementation()).agentInstallCommand(opts)));
  program
    .command('agents')
    .description('agents as the gateway last heard from them: version, heartbeat age, alive or offline')
    .option('--cluster <name>', 'one cluster only')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('agents', async (opts: { cluster?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await import('../commands/agents.js')).agentsCommand(remote, opts);
      }),
    );
}
