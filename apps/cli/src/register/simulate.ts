import { Option, type Command } from 'commander';
import type { SimulateOptions } from '../commands/simulate.js';
import { action } from './action.js';
import { outputOption, wholeNumber } from './options.js';

interface SimulateFlags {
  filename?: string[];
  recursive: boolean;
  remote: boolean;
  cluster?: string;
  from?: string;
  to?: string;
  protocol?: string;
  port?: number;
  sourcePort?: number;
  icmpType?: number;
  icmpCode?: number;
  ipVersion?: '4' | '6';
  probes?: string;
  explain: boolean;
  allPairs: boolean;
  ports?: string;
  summary: boolean;
  output: 'text' | 'json' | 'ndjson' | 'csv';
}

/** What --all-pairs replaces: one flow's or a batch's flags. */
const ONE_FLOW_FLAGS = ['from', 'to', 'protocol', 'port', 'sourcePort', 'icmpType', 'icmpCode', 'ipVersion', 'probes'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

async function allPairs(flags: SimulateFlags): Promise<number> {
  const { InputError } = await import('../errors.js');
  if (flags.remote) throw new InputError('--all-pairs decides against files (-f): the gateway does not send its whole state');
  const clash = ONE_FLOW_FLAGS.filter((key) => flags[key] !== undefined);
  if (clash.length) throw new InputError(`--all-pairs answers every pair: drop ${clash.map(flagName).join(', ')}`);
  if (flags.explain) throw new InputError('--explain is for one flow or a batch of probes, not --all-pairs');
  return (await import('../commands/all-pairs.js')).allPairsCommand({
    files: flags.filename ?? [],
    recursive: flags.recursive,
    summary: flags.summary,
    output: flags.output,
    ...(flags.ports !== undefined ? { ports: flags.ports } : {}),
  });
}

function simulateOptions(flags: SimulateFlags & { output: 'text' | 'json' | 'ndjson' }): SimulateOptions {
  return {
    files: flags.filename ?? [],
    recursive: flags.recursive,
    explain: flags.explain,
    output: flags.output,
    ...(flags.from ? { from: flags.from } : {}),
    ...(flags.to ? { to: flags.to } : {}),
    ...(flags.protocol ? { protocol: flags.protocol } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.sourcePort !== undefined ? { sourcePort: flags.sourcePort } : {}),
    ...(flags.icmpType !== undefined ? { icmpType: flags.icmpType } : {}),
    ...(flags.icmpCode !== undefined ? { icmpCode: flags.icmpCode } : {}),
    ...(flags.ipVersion ? { ipVersion: flags.ipVersion === '6' ? 6 : 4 } : {}),
    ...(flags.probes ? { probes: flags.probes } : {}),
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
  };
}

/** `palisade simulate`: a flow decided against files, or against the gateway's state with --remote. */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('decide a flow (or a batch of probes) against a snapshot of resources, as Calico would, with an optional explain trace')
    .option('-f, --filename <path...>', 'snapshot: files or directories of YAML/JSON (pods, nodes, namespaces, policies ...)')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--remote', "decide against the gateway's current state instead of files (PALISADE_URL/PALISADE_TOKEN or `palisade login`)", false)
    .option('--cluster <name>', "with --remote: the endpoints this cluster's agents report, laid over the gateway's state")
    .option('--from <endpoint>', 'namespace/pod, hep:<node>/<hostEndpoint>, host:<node> or an IP address')
    .option('--to <endpoint>', 'the same forms as --from')
    .option('--protocol <protocol>', 'TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number')
    .option('--port <port>', 'destination port', wholeNumber('--port'))
    .option('--source-port <port>', 'source port', wholeNumber('--source-port'))
    .option('--icmp-type <type>', 'ICMP type', wholeNumber('--icmp-type'))
    .option('--icmp-code <code>', 'ICMP code', wholeNumber('--icmp-code'))
    .addOption(new Option('--ip-version <version>', 'address family when endpoints have both').choices(['4', '6']))
    .option('--probes <file>', 'probes, read as a stream: a JSON list [{ "from", "to", "protocol", "port", "sourcePort"?, "icmp"? }] or one probe object per line (NDJSON); - for standard input')
    .option('--explain', 'print every tier, policy and rule considered and why it did or did not match', false)
    .option(
      '--all-pairs',
      "every pod's reachability to every other pod, decided by equivalence classes of pods (text: a summary per namespace pair; ndjson, csv, json: every pair, then the summary)",
      false,
    )
    .option('--ports <list>', 'with --all-pairs: the destination ports to answer for, e.g. 80,443,udp/53,tcp/8000-8080 (default: every TCP, UDP and SCTP port)')
    .option('--summary', 'with --all-pairs: only the summary per namespace pair, not every pair', false)
    .addOption(outputOption(['text', 'json', 'ndjson', 'csv'], 'text'))
    .addHelpText('after', '\nExit codes: 0 evaluated (whatever the verdict), 2 bad input (an unknown endpoint, an invalid snapshot or probe).')
    .action(
      action('simulate', async (flags: SimulateFlags) => {
        if (flags.allPairs) return allPairs(flags);
        const { InputError } = await import('../errors.js');
        if (flags.ports !== undefined || flags.summary) throw new InputError(`${flags.ports !== undefined ? '--ports' : '--summary'} needs --all-pairs`);
        if (flags.output === 'csv') throw new InputError('-o csv is for --all-pairs; one flow or a batch prints text, json or ndjson');
        const oneFlow = { ...flags, output: flags.output };
        if (!oneFlow.remote) {
          if (flags.cluster) throw new InputError("--cluster needs --remote: the inventory is the gateway's");
          return (await import('../commands/simulate.js')).simulateCommand(simulateOptions(oneFlow));
        }
        // Only the environment or the login file: --remote has never fallen back to the local stack's gateway.
        const remote = (await import('../remote/config.js')).resolveRemote();
        return (await import('../commands/simulate.js')).simulateRemote(remote, simulateOptions(oneFlow));
      }),
    );
}
