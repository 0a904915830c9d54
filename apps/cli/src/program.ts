import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { down } from './commands/down.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { validateCommand } from './commands/validate.js';
import { simulateCommand } from './commands/simulate.js';
import { compileCommand } from './commands/compile.js';
import { auditVerify } from './commands/audit.js';
import { EXIT, report } from './output.js';
import { stackHome } from './workspace.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Wraps a command so every failure becomes one line on stderr and a meaningful exit code. */
function action<A extends unknown[]>(name: string, run: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      process.exitCode = report(name, error);
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('palisade')
    .description('Palisade: Calico network policy, rolled out in stages across clusters, VMs and hosts.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride((error) => {
      // commander's own usage errors (unknown option, missing argument) exit with USAGE.
      process.exit(error.exitCode === 0 ? 0 : EXIT.USAGE);
    });

  const home = new Option('--home <dir>', 'stack directory (default: $PALISADE_HOME or <checkout>/.palisade)');

  program
    .command('up')
    .description('start the platform on a local stack: PostgreSQL, NATS JetStream, Temporal, the worker, the gateway and the console')
    .option('-d, --detach', 'return once everything is ready instead of staying in the foreground', false)
    .option('--no-console', 'do not start the web console')
    .addOption(home)
    .addHelpText(
      'after',
      `
Existing servers are used instead of private ones when these are set:
  DATABASE_URL        postgres://user:password@host:port/database
  NATS_URL            nats://host:port (JetStream enabled)
  TEMPORAL_ADDRESS    host:port   (TEMPORAL_NAMESPACE, default "default")
Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 a dependency is unreachable.`,
    )
    .action(action('up', (opts: { detach: boolean; console: boolean; home?: string }) => up({ home: stackHome(opts.home), detach: opts.detach, console: opts.console })));

  program
    .command('down')
    .description('stop everything `palisade up` started (servers named by environment variables are left alone)')
    .addOption(home)
    .action(action('down', (opts: { home?: string }) => down(stackHome(opts.home))));

  program
    .command('status')
    .description('probe every service and process of the local stack and run a workflow end to end')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(home)
    .action(action('status', (opts: { output: 'table' | 'json'; home?: string }) => status(stackHome(opts.home), opts.output)));

  program
    .command('validate')
    .description('validate Calico and Kubernetes policy manifests locally, with located errors')
    .requiredOption('-f, --filename <path...>', 'a file, a directory of .yaml/.yml/.json files, or - for standard input')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('-n, --namespace <namespace>', 'namespace for namespaced resources that name none')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 every document is valid, 1 some document is invalid, 2 bad usage (a missing file).')
    .action(
      action('validate', async (opts: { filename: string[]; recursive: boolean; namespace?: string; output: 'text' | 'json' }) =>
        validateCommand({ files: opts.filename, recursive: opts.recursive, output: opts.output, ...(opts.namespace ? { namespace: opts.namespace } : {}) }),
      ),
    );

  const int = (name: string) => (value: string) => {
    if (!/^[0-9]+$/.test(value)) {
      process.stderr.write(`palisade: ${name} must be a whole number, not ${JSON.stringify(value)}\n`);
      process.exit(EXIT.USAGE);
    }
    return Number(value);
  };

  program
    .command('simulate')
    .description('decide a flow (or a batch of probes) against a snapshot of resources, as Calico would, with an optional explain trace')
    .requiredOption('-f, --filename <path...>', 'snapshot: files or directories of YAML/JSON (pods, nodes, namespaces, policies ...)')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--from <endpoint>', 'namespace/pod, hep:<node>/<hostEndpoint>, host:<node> or an IP address')
    .option('--to <endpoint>', 'the same forms as --from')
    .option('--protocol <protocol>', 'TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number')
    .option('--port <port>', 'destination port', int('--port'))
    .option('--source-port <port>', 'source port', int('--source-port'))
    .option('--icmp-type <type>', 'ICMP type', int('--icmp-type'))
    .option('--icmp-code <code>', 'ICMP code', int('--icmp-code'))
    .addOption(new Option('--ip-version <version>', 'address family when endpoints have both').choices(['4', '6']))
    .option('--probes <file>', 'a JSON list of probes: [{ "from", "to", "protocol", "port", "sourcePort"?, "icmp"? }]')
    .option('--explain', 'print every tier, policy and rule considered and why it did or did not match', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 evaluated (whatever the verdict), 2 bad input (an unknown endpoint, an invalid snapshot or probe).')
    .action(
      action('simulate', async (opts: { filename: string[]; recursive: boolean; from?: string; to?: string; protocol?: string; port?: number; sourcePort?: number; icmpType?: number; icmpCode?: number; ipVersion?: string; probes?: string; explain: boolean; output: 'text' | 'json' }) =>
        simulateCommand({
          files: opts.filename,
          recursive: opts.recursive,
          explain: opts.explain,
          output: opts.output,
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
          ...(opts.protocol ? { protocol: opts.protocol } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.sourcePort !== undefined ? { sourcePort: opts.sourcePort } : {}),
          ...(opts.icmpType !== undefined ? { icmpType: opts.icmpType } : {}),
          ...(opts.icmpCode !== undefined ? { icmpCode: opts.icmpCode } : {}),
          ...(opts.ipVersion ? { ipVersion: Number(opts.ipVersion) as 4 | 6 } : {}),
          ...(opts.probes ? { probes: opts.probes } : {}),
        }),
      ),
    );

  program
    .command('compile')
    .description("print one node's compiled ruleset (nftables) or its dataplane-neutral IR")
    .requiredOption('-f, --filename <path...>', 'snapshot: files or directories of YAML/JSON')
    .option('-R, --recursive', 'read directories recursively', false)
    .requiredOption('--node <node>', 'the node to compile for')
    .addOption(new Option('--format <format>', 'output format').choices(['nft', 'json']).default('nft'))
    .action(action('compile', async (opts: { filename: string[]; recursive: boolean; node: string; format: 'nft' | 'json' }) => compileCommand({ files: opts.filename, recursive: opts.recursive, node: opts.node, format: opts.format })));

  const audit = program.command('audit').description('the audit history');
  audit
    .command('verify')
    .description("walk the event log's hash chain and report the first event edited, deleted or inserted behind the store's back")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(home)
    .addHelpText('after', '\nUses DATABASE_URL, or the local stack started by `palisade up`.\nExit codes: 0 the chain holds, 1 it is broken (the first break is reported), 2 no database given.')
    .action(action('audit verify', (opts: { output: 'text' | 'json'; home?: string }) => auditVerify({ home: stackHome(opts.home), output: opts.output })));

  return program;
}
