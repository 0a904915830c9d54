import { Option, type Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption, wholeNumber } from './options.js';
import type { AgentSimulateOptions } from '../commands/agent-simulate.js';

const implementation = () => import('../commands/agent-install.js');
const runImplementation = () => import('../commands/agent-run.js');
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** `palisade agent` (install) and `palisade agents`. */
export function register(program: Command): void {
  const agent = program.command('agent').description("the per-node agent that enforces its cluster's policy");
  agent
    .command('run')
    .description("run this node's agent: join the cluster (first start), enforce its desired release, report back; until stopped")
    .option('-c, --config <file>', 'the agent configuration (YAML, as `agent install` writes it)')
    .option('--gateway <url>', 'the gateway the agent joins through')
    .option('--cluster <name>', 'the cluster this node belongs to')
    .option('--node <name>', "this node's name (default: the host name)")
    .option('--dataplane <kind>', 'nftables (enforce in the kernel; root) or simulated (the engine only)')
    .option('--join-token-file <path>', 'the join token, read at the first start (then credentials are kept in the state directory)')
    .option('--state-dir <dir>', 'where credentials are kept (default /var/lib/palisade-agent)')
    .option('--inventory <file>', "this node's endpoints: WorkloadEndpoint, HostEndpoint, Pod, Namespace, ServiceAccount resources (YAML or JSON)")
    .option('--kubernetes', "read this node's pods from the Kubernetes API (in a pod: the in-cluster API server and ServiceAccount)")
    .option('--nats-url <urls>', 'NATS servers to use instead of those the gateway names')
    .option('--traffic <file>', 'simulated dataplane: a traffic mix (YAML) to generate and decide, reported as flow logs')
    .option('--failsafe-in <proto:port>', 'an inbound port never blocked (repeat; default: Felix failsafe ports)', collect)
    .option('--failsafe-out <proto:port>', 'an outbound port never blocked (repeat)', collect)
    .addHelpText(
      'after',
      '\nSettings come from --config, then PALISADE_AGENT_{GATEWAY,CLUSTER,NODE,DATAPLANE,JOIN_TOKEN_FILE,STATE_DIR,INVENTORY,KUBERNETES,NATS_URL,TRAFFIC}, then flags.\nLogs are JSON lines on stderr. Exit codes: 0 stopped by a signal, 2 bad settings or no join token, 3 gateway unreachable, 4 join refused or credentials revoked.',
    )
    .action(
      action('agent run', async (opts: Parameters<Awaited<ReturnType<typeof runImplementation>>['agentRunCommand']>[0]) => {
        const { readFileSync } = await import('node:fs');
        const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
        return (await runImplementation()).agentRunCommand(opts, version);
      }),
    );
  agent
    .command('simulate')
    .description('run many simulated agents in this process (demos, scale tests): each joins with its own credentials and reports generated traffic')
    .requiredOption('--clusters <names|count>', 'clusters to simulate: a,b,c, or a count (5 is sim-1 to sim-5); missing ones are registered')
    .requiredOption('--nodes <n>', 'nodes per cluster', wholeNumber('--nodes'))
    .option('--endpoints-per-node <k>', 'pods on each node', wholeNumber('--endpoints-per-node'), 10)
    .addOption(
      new Option('--workloads <profile>', 'which shop the nodes run: shop (every app in namespace shop) or demo (across namespaces, as `palisade up` shows it)')
        .choices(['shop', 'demo'])
        .default('shop'),
    )
    .option('--traffic <file>', 'a traffic mix (YAML); default: every pod talks to every other on 80, 443 and 53 now and then')
    .option('--flow-interval <seconds>', 'flow records are aggregated and published this often', wholeNumber('--flow-interval'), 10)
    .option('--nats-url <urls>', 'NATS servers to use instead of those the gateway names')
    .addHelpText('after', `\nNeeds an admin token (it registers clusters and makes join tokens). Runs until Ctrl-C.${GATEWAY_HELP}`)
    .action(
      action('agent simulate', async (opts: AgentSimulateOptions) => {
        const remote = await gateway();
        const { readFileSync } = await import('node:fs');
        const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
        return (await import('../commands/agent-simulate.js')).agentSimulateCommand(remote, opts, version);
      }),
    );
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
  const agents = program
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
  agents
    .command('revoke')
    .description('cut a node off: revoke every credential it was issued; NATS closes its connections and refuses it')
    .argument('<cluster>', 'its cluster')
    .argument('<node>', 'the node')
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', `\nThe node can join again only with a valid join token: revoke the cluster's token too (cluster join-token) to keep it out.${GATEWAY_HELP}`)
    .action(
      action('agents revoke', async (cluster: string, node: string, opts: { reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await import('../commands/agents.js')).agentsRevokeCommand(remote, cluster, node, opts);
      }),
    );
}
