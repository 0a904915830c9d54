import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { ResourceOutput } from './commands/get.js';
import { InputError } from './errors.js';
import { resolveRemote, type Remote } from './remote/config.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { report } from './output.js';
import { stackHome } from './workspace.js';


// Commands load their modules when run: `palisade get` need not load the stack's service clients,
// Prisma or Temporal, and starts in a fraction of the time.
type Fn = (...args: never[]) => unknown;
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] extends Fn ? (...args: Parameters<M[K]>) => Promise<Awaited<ReturnType<M[K]>>> : never {
  return (async (...args: never[]) => ((await load())[name] as Fn)(...args)) as never;
}
const up = lazy(() => import('./commands/up.js'), 'up');
const down = lazy(() => import('./commands/down.js'), 'down');
const status = lazy(() => import('./commands/status.js'), 'status');
const validateCommand = lazy(() => import('./commands/validate.js'), 'validateCommand');
const simulateCommand = lazy(() => import('./commands/simulate.js'), 'simulateCommand');
const simulateRemote = lazy(() => import('./commands/simulate.js'), 'simulateRemote');
const compileCommand = lazy(() => import('./commands/compile.js'), 'compileCommand');
const auditVerify = lazy(() => import('./commands/audit.js'), 'auditVerify');
const auditVerifyRemote = lazy(() => import('./commands/audit.js'), 'auditVerifyRemote');
const auditLogCommand = lazy(() => import('./commands/audit.js'), 'auditLogCommand');
const auditDiffCommand = lazy(() => import('./commands/audit.js'), 'auditDiffCommand');
const applyCommand = lazy(() => import('./commands/apply.js'), 'applyCommand');
const getCommand = lazy(() => import('./commands/get.js'), 'getCommand');
const deleteCommand = lazy(() => import('./commands/get.js'), 'deleteCommand');
const keysInFiles = lazy(() => import('./commands/get.js'), 'keysInFiles');
const loginCommand = lazy(() => import('./commands/access.js'), 'loginCommand');
const whoamiCommand = lazy(() => import('./commands/access.js'), 'whoamiCommand');
const tokenCreateCommand = lazy(() => import('./commands/access.js'), 'tokenCreateCommand');
const tokenListCommand = lazy(() => import('./commands/access.js'), 'tokenListCommand');
const tokenRevokeCommand = lazy(() => import('./commands/access.js'), 'tokenRevokeCommand');
const releaseCreateCommand = lazy(() => import('./commands/releases.js'), 'releaseCreateCommand');
const releaseListCommand = lazy(() => import('./commands/releases.js'), 'releaseListCommand');
const releaseDiffCommand = lazy(() => import('./commands/releases.js'), 'releaseDiffCommand');
const releaseGetCommand = lazy(() => import('./commands/releases.js'), 'releaseGetCommand');
const clusterRegisterCommand = lazy(() => import('./commands/clusters.js'), 'clusterRegisterCommand');
const clusterListCommand = lazy(() => import('./commands/clusters.js'), 'clusterListCommand');


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

  const defaultHome = () => {
    try {
      return stackHome(undefined);
    } catch {
      return undefined;
    }
  };
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
    .option('-f, --filename <path...>', 'snapshot: files or directories of YAML/JSON (pods, nodes, namespaces, policies ...)')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--remote', "decide against the gateway's current state instead of files (PALISADE_URL/PALISADE_TOKEN or `palisade login`)", false)
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
      action('simulate', async (opts: { filename?: string[]; recursive: boolean; remote: boolean; from?: string; to?: string; protocol?: string; port?: number; sourcePort?: number; icmpType?: number; icmpCode?: number; ipVersion?: string; probes?: string; explain: boolean; output: 'text' | 'json' }) =>
        (opts.remote ? (o: Parameters<typeof simulateCommand>[0]) => simulateRemote(resolveRemote(), o) : simulateCommand)({
          files: opts.filename ?? [],
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

  // ---- commands that talk to the gateway ------------------------------------------------------
  const remoteHelp = `\nTalks to the gateway: PALISADE_URL and PALISADE_TOKEN, else what \`palisade login\` saved, else the local stack.\n${EXIT_CODES_HELP}`;
  const remote = (run: (r: Remote) => Promise<number>) => () => run(resolveRemote(defaultHome()));
  const out = (choices: string[], fallback: string) => new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);

  const audit = program.command('audit').description('the audit history: who changed what, when and why');
  audit
    .command('log', { isDefault: true })
    .description('the history through the gateway, filtered by resource, actor, correlation id and time; or the state --as-of a position or time')
    .option('--kind <kind>', 'with --name: the history of one resource')
    .option('--name <name>', 'the resource name')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('--actor <actor>', 'e.g. token:dana')
    .option('--correlation <id>', 'every event of one change')
    .option('--since <time>', 'an ISO time or a duration ago (15m, 2h, 7d)')
    .option('--until <time>', 'an ISO time or a duration ago')
    .option('--as-of <when>', 'a log position or a time: the resource (or the whole set) as it was then')
    .option('--limit <n>', 'at most this many events', int('--limit'), 100)
    .addOption(out(['table', 'json', 'yaml'], 'table'))
    .addHelpText('after', remoteHelp)
    .action(action('audit', (opts: { kind?: string; name?: string; namespace: string; actor?: string; correlation?: string; since?: string; until?: string; asOf?: string; limit: number; output: 'table' | 'json' | 'yaml' }) =>
      remote((r) => auditLogCommand(r, { ...opts, limit: Math.min(10_000, Math.max(1, opts.limit)) }))(),
    ));
  audit
    .command('diff')
    .description('what changed between two points of the history')
    .argument('<from>', 'a log position or a time')
    .argument('<to>', 'a log position or a time')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('audit diff', (from: string, to: string, opts: { output: 'text' | 'json' }) => remote((r) => auditDiffCommand(r, from, to, opts.output))()));
  audit
    .command('verify')
    .description("walk the event log's hash chain and report the first event edited, deleted or inserted behind the store's back")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--remote', 'ask the gateway to run the check (needs a token, not database access)', false)
    .addOption(home)
    .addHelpText('after', '\nUses DATABASE_URL, or the local stack started by `palisade up`; with --remote, the gateway.\nExit codes: 0 the chain holds, 1 it is broken (the first break is reported), 2 no database given, 3-6 as for other gateway commands.')
    .action(
      action('audit verify', (opts: { output: 'text' | 'json'; remote: boolean; home?: string }) =>
        opts.remote ? auditVerifyRemote(resolveRemote(defaultHome()), opts.output) : auditVerify({ home: stackHome(opts.home), output: opts.output }),
      ),
    );


  program
    .command('login')
    .description('check an API token against the gateway and save both for later commands (the token is read from standard input or PALISADE_TOKEN)')
    .option('--server <url>', 'the gateway, e.g. http://127.0.0.1:4000 (default: PALISADE_URL or the local stack)')
    .addOption(home)
    .addHelpText('after', `\nExample: echo "$TOKEN" | palisade login --server https://palisade.example.com\nThe file is ~/.config/palisade/config.json (or $PALISADE_CONFIG), readable by you alone.\n${EXIT_CODES_HELP}`)
    .action(action('login', (opts: { server?: string; home?: string }) => loginCommand({ ...(opts.server ? { server: opts.server } : {}), home: stackHome(opts.home) })));

  program
    .command('whoami')
    .description('show who the API token belongs to, its role and where it may write')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('whoami', (opts: { output: 'text' | 'json' }) => remote((r) => whoamiCommand(r, opts.output))()));

  program
    .command('apply')
    .description('create or update resources from files, as one change (all or nothing), and print what changed')
    .requiredOption('-f, --filename <path...>', 'a file, a directory of .yaml/.yml/.json files, or - for standard input')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--reason <text>', 'why: recorded with every event of the change')
    .option('--dry-run', 'write nothing: show which endpoints each policy would newly select or stop selecting', false)
    .option('--flows <file>', 'with --dry-run: a JSON list of flows ({from, to, protocol, port}) to check for verdict changes')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', `\nmetadata.resourceVersion (as \`palisade get\` prints it) makes the write conditional: if the resource changed since, it is refused (exit 5).${remoteHelp}`)
    .action(action('apply', (opts: { filename: string[]; recursive: boolean; reason?: string; dryRun: boolean; flows?: string; output: 'text' | 'json' }) =>
      remote((r) => applyCommand(r, { files: opts.filename, recursive: opts.recursive, dryRun: opts.dryRun, output: opts.output, ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.flows ? { flows: opts.flows } : {}) }))(),
    ));

  program
    .command('get')
    .description('show one resource, or every resource of a kind')
    .argument('<kind>', 'NetworkPolicy, GlobalNetworkPolicy, KubernetesNetworkPolicy, Tier, ... or a short name (np, gnp, knp, hep, ns)')
    .argument('[name]', 'the resource; all of the kind when omitted')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('-A, --all-namespaces', 'every namespace', false)
    .addOption(out(['table', 'wide', 'yaml', 'json'], 'table'))
    .addHelpText('after', remoteHelp)
    .action(action('get', (kind: string, name: string | undefined, opts: { namespace: string; allNamespaces: boolean; output: ResourceOutput }) =>
      remote((r) => getCommand(r, { kind, ...(name ? { name } : {}), namespace: opts.namespace, allNamespaces: opts.allNamespaces, output: opts.output }))(),
    ));

  program
    .command('delete')
    .description('delete resources by kind and name, or those the files describe, as one change')
    .argument('[kind]', 'the kind (as for get)')
    .argument('[names...]', 'one or more names')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('-f, --filename <path...>', 'delete the resources these files describe')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--reason <text>', 'why: recorded with the deletion')
    .addHelpText('after', remoteHelp)
    .action(action('delete', (kind: string | undefined, names: string[], opts: { namespace: string; filename?: string[]; recursive: boolean; reason?: string }) =>
      remote(async (r) => {
        let keys: string[] | undefined;
        if (opts.filename) {
          keys = await keysInFiles(opts.filename, opts.recursive);
          if (keys.length === 0) throw new InputError('the files describe no resources');
        } else if (!kind || names.length === 0) throw new InputError('give a kind and names, or -f FILE');
        return deleteCommand(r, { ...(kind ? { kind } : {}), names, namespace: opts.namespace, ...(keys ? { keys } : {}), ...(opts.reason ? { reason: opts.reason } : {}) });
      })(),
    ));

  const release = program.command('release').description('immutable, content-addressed snapshots of the whole policy set');
  release
    .command('create')
    .description('take a release of the policy set as it is now (the same content is the same release)')
    .option('--reason <text>', 'why')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('release create', (opts: { reason?: string; output: 'text' | 'json' }) => remote((r) => releaseCreateCommand(r, opts.reason, opts.output))()));
  release
    .command('list')
    .description('releases, newest first')
    .option('--limit <n>', 'at most this many', int('--limit'), 50)
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('release list', (opts: { limit: number; output: 'text' | 'json' }) => remote((r) => releaseListCommand(r, Math.min(500, Math.max(1, opts.limit)), opts.output))()));
  release
    .command('diff')
    .description('what changes from one release to another, field by field')
    .argument('<from>', 'a release hash or a unique prefix')
    .argument('<to>', 'a release hash or a unique prefix')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('release diff', (from: string, to: string, opts: { output: 'text' | 'json' }) => remote((r) => releaseDiffCommand(r, from, to, opts.output))()));
  release
    .command('get')
    .description("a release's resources")
    .argument('<hash>', 'a release hash or a unique prefix')
    .addOption(out(['yaml', 'json'], 'yaml'))
    .addHelpText('after', remoteHelp)
    .action(action('release get', (hash: string, opts: { output: 'yaml' | 'json' }) => remote((r) => releaseGetCommand(r, hash, opts.output))()));

  const cluster = program.command('cluster').description('clusters that run releases');
  cluster
    .command('register')
    .description('register a cluster, or change its labels')
    .argument('<name>', 'a DNS label')
    .option('-l, --label <key=value...>', 'labels (waves select clusters by label)', [])
    .option('--reason <text>', 'why')
    .addHelpText('after', remoteHelp)
    .action(action('cluster register', (name: string, opts: { label: string[]; reason?: string }) => remote((r) => clusterRegisterCommand(r, name, opts.label, opts.reason))()));
  cluster
    .command('list')
    .description('clusters with their desired and observed releases and their agents')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('cluster list', (opts: { output: 'text' | 'json' }) => remote((r) => clusterListCommand(r, opts.output))()));

  const token = program.command('token').description('API tokens (admins)');
  token
    .command('create')
    .description('create a token; it is printed once, only its hash is kept')
    .argument('<name>', 'who or what holds it (recorded as the actor of its writes: token:<name>)')
    .requiredOption('--role <role>', 'viewer, developer, security-admin, approver or admin')
    .option('-n, --namespace <namespace...>', 'developers: the namespaces they may write in', [])
    .option('--tier <tier...>', 'developers: the tiers they may write in (default: default)', [])
    .option('--expires-in-days <days>', 'lifetime, 1 to 1096 days (default 90)', int('--expires-in-days'))
    .option('--reason <text>', 'why')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('token create', (name: string, opts: { role: string; namespace: string[]; tier: string[]; expiresInDays?: number; reason?: string; output: 'text' | 'json' }) =>
      remote((r) => tokenCreateCommand(r, { name, role: opts.role, namespaces: opts.namespace, tiers: opts.tier, output: opts.output, ...(opts.expiresInDays !== undefined ? { expiresInDays: opts.expiresInDays } : {}), ...(opts.reason ? { reason: opts.reason } : {}) }))(),
    ));
  token
    .command('list')
    .description('every token: role, namespaces, expiry, last use, state (never the secret)')
    .addOption(out(['text', 'json'], 'text'))
    .addHelpText('after', remoteHelp)
    .action(action('token list', (opts: { output: 'text' | 'json' }) => remote((r) => tokenListCommand(r, opts.output))()));
  token
    .command('revoke')
    .description('revoke a token for good')
    .argument('<id>', 'the token id (12 hex digits, as `token list` shows)')
    .option('--reason <text>', 'why')
    .addHelpText('after', remoteHelp)
    .action(action('token revoke', (id: string, opts: { reason?: string }) => remote((r) => tokenRevokeCommand(r, id, opts.reason))()));

  return program;
}
