import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Command, Option } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './program.js';
import { closedPort } from './test-support/closed-port.js';
import { captureCli } from './test-support/run-cli.js';

// Every module below is recorded when something imports it (and then used as is), so the tests
// can say which commands load what.
const loaded = vi.hoisted(() => new Set<string>());
vi.mock('@palisade/event-store', async (original) => (loaded.add('@palisade/event-store'), original()));
vi.mock('@palisade/domain', async (original) => (loaded.add('@palisade/domain'), original()));
vi.mock('@palisade/stack', async (original) => (loaded.add('@palisade/stack'), original()));
vi.mock('@temporalio/client', async (original) => (loaded.add('@temporalio/client'), original()));
vi.mock('pg', async (original) => (loaded.add('pg'), original()));
vi.mock('@palisade/engine', async (original) => (loaded.add('@palisade/engine'), original()));
vi.mock('@trpc/client', async (original) => (loaded.add('@trpc/client'), original()));
vi.mock('zod', async (original) => (loaded.add('zod'), original()));

/** The database (the event store and the domain behind it), Temporal and the stack's service clients. */
const HEAVY = ['@palisade/event-store', '@palisade/domain', '@palisade/stack', '@temporalio/client', 'pg'];

const describeOption = (o: Option) =>
  [o.flags, o.mandatory ? '(required)' : '', o.argChoices ? `{${o.argChoices.join('|')}}` : '', o.defaultValue !== undefined ? `=${JSON.stringify(o.defaultValue)}` : ''].filter(Boolean).join(' ');

/** Every command path with its arguments and options, as --help lists them. */
function commandsOf(command: Command, prefix = ''): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const sub of command.commands) {
    const path = `${prefix}${sub.name()}`;
    const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
    found[path] = [...args, ...sub.options.map(describeOption)];
    Object.assign(found, commandsOf(sub, `${path} `));
  }
  return found;
}

const home = '--home <dir>';
const textOrJson = '-o, --output <format> {text|json} ="text"';

describe('registration', () => {
  it('registers every command with its arguments and options, in the order --help lists them', () => {
    const commands = commandsOf(buildProgram());
    expect(Object.keys(commands)).toEqual([
      'up',
      'supervise',
      'down',
      'status',
      'validate',
      'simulate',
      'compile',
      'audit',
      'audit log',
      'audit diff',
      'audit verify',
      'login',
      'whoami',
      'apply',
      'get',
      'delete',
      'release',
      'release create',
      'release list',
      'release diff',
      'release get',
      'cluster',
      'cluster register',
      'cluster set-release',
      'cluster join-token',
      'cluster get',
      'cluster list',
      'rollout',
      'rollout start',
      'rollout status',
      'rollout list',
      'rollout history',
      'rollout approve',
      'rollout pause',
      'rollout resume',
      'rollout abort',
      'rollout plan',
      'rollout plan validate',
      'rollout plan apply',
      'rollout plan list',
      'rollout plan get',
      'rollout plan delete',
      'rollout plan dry-run',
      'agent',
      'agent run',
      'agent simulate',
      'agent install',
      'agents',
      'agents revoke',
      'flows',
      'recommend',
      'recommend promote',
      'token',
      'token create',
      'token list',
      'token revoke',
      'deploy',
      'deploy nats-auth',
    ]);
    expect(commands).toEqual({
      up: ['-d, --detach =false', '--no-console', '--no-demo', home],
      supervise: [home],
      down: ['--purge =false', home],
      status: ['-o, --output <format> {table|json} ="table"', home],
      validate: ['-f, --filename <path...> (required)', '-R, --recursive =false', '-n, --namespace <namespace>', textOrJson],
      simulate: [
        '-f, --filename <path...>',
        '-R, --recursive =false',
        '--remote =false',
        '--cluster <name>',
        '--from <endpoint>',
        '--to <endpoint>',
        '--protocol <protocol>',
        '--port <port>',
        '--source-port <port>',
        '--icmp-type <type>',
        '--icmp-code <code>',
        '--ip-version <version> {4|6}',
        '--probes <file>',
        '--explain =false',
        '--all-pairs =false',
        '--ports <list>',
        '--summary =false',
        '-o, --output <format> {text|json|ndjson|csv} ="text"',
      ],
      compile: ['-f, --filename <path...> (required)', '-R, --recursive =false', '--node <node> (required)', '--format <format> {nft|json} ="nft"'],
      audit: [],
      'audit log': [
        '--kind <kind>',
        '--name <name>',
        '-n, --namespace <namespace> ="default"',
        '--actor <actor>',
        '--correlation <id>',
        '--since <time>',
        '--until <time>',
        '--as-of <when>',
        '--limit <n> =100',
        '-o, --output <format> {table|json|yaml} ="table"',
      ],
      'audit diff': ['<from>', '<to>', textOrJson],
      'audit verify': [textOrJson, '--remote =false', '--anchor <position:hash>', home],
      login: ['--server <url>', home],
      whoami: [textOrJson],
      apply: ['-f, --filename <path...> (required)', '-R, --recursive =false', '--reason <text>', '--dry-run =false', '--flows <file>', textOrJson],
      get: ['<kind>', '[name]', '-n, --namespace <namespace> ="default"', '-A, --all-namespaces =false', '--cluster <name>', '-o, --output <format> {table|wide|yaml|json} ="table"'],
      delete: ['[kind]', '[names...]', '-n, --namespace <namespace> ="default"', '-f, --filename <path...>', '-R, --recursive =false', '--reason <text>'],
      release: [],
      'release create': ['--reason <text>', textOrJson],
      'release list': ['--limit <n> =50', textOrJson],
      'release diff': ['<from>', '<to>', textOrJson],
      'release get': ['<hash>', '-o, --output <format> {yaml|json} ="yaml"'],
      cluster: [],
      'cluster register': ['<name>', '-l, --label <key=value...> =[]', '--reason <text>'],
      'cluster set-release': ['<cluster>', '<release>', '--reason <text>', textOrJson],
      'cluster join-token': ['<cluster>', '--expires-in-hours <n> =24', '--reason <text>', textOrJson],
      'cluster get': ['<cluster>', textOrJson],
      'cluster list': [textOrJson],
      rollout: [],
      'rollout start': ['--release <hash> (required)', '--plan <name|file> (required)', '--reason <text>', textOrJson],
      'rollout status': ['[id]', '-w, --watch =false', textOrJson],
      'rollout list': [textOrJson],
      'rollout history': ['<id>', textOrJson],
      'rollout approve': ['<id>', '--wave <name>', '--reason <text>', textOrJson],
      'rollout pause': ['<id>', '--reason <text>', textOrJson],
      'rollout resume': ['<id>', '--reason <text>', textOrJson],
      'rollout abort': ['<id>', '--reason <text>', textOrJson],
      'rollout plan': [],
      'rollout plan validate': ['-f, --file <file> (required)', textOrJson],
      'rollout plan apply': ['-f, --file <file> (required)', '--reason <text>', textOrJson],
      'rollout plan list': [textOrJson],
      'rollout plan get': ['<name>', '-o, --output <format> {yaml|json} ="yaml"'],
      'rollout plan delete': ['<name>', '--reason <text>'],
      'rollout plan dry-run': ['[name]', '-f, --file <file>', textOrJson],
      agent: [],
      'agent run': [
        '-c, --config <file>',
        '--gateway <url>',
        '--cluster <name>',
        '--node <name>',
        '--dataplane <kind>',
        '--join-token-file <path>',
        '--state-dir <dir>',
        '--inventory <file>',
        '--kubernetes',
        '--nats-url <urls>',
        '--traffic <file>',
        '--failsafe-in <proto:port>',
        '--failsafe-out <proto:port>',
      ],
      'agent simulate': [
        '--clusters <names|count> (required)',
        '--nodes <n> (required)',
        '--endpoints-per-node <k> =10',
        '--workloads <profile> {shop|demo} ="shop"',
        '--traffic <file>',
        '--flow-interval <seconds> =10',
        '--nats-url <urls>',
      ],
      'agent install': [
        '--gateway <url> (required)',
        '--cluster <name> (required)',
        '--node <name>',
        '--dataplane <kind> ="nftables"',
        '--join-token-file <path>',
        '--failsafe-in <proto:port>',
        '--failsafe-out <proto:port>',
        '--root <dir> ="/"',
        '--force =false',
      ],
      agents: ['--cluster <name>', textOrJson],
      'agents revoke': ['<cluster>', '<node>', '--reason <text>', textOrJson],
      flows: [
        '--cluster <name>',
        '-n, --namespace <namespace>',
        '--endpoint <name-or-ip>',
        '--action <action> {Allow|Deny}',
        '--policy <tier/policy/rule>',
        '--since <time>',
        '--until <time>',
        '--limit <n> =1000',
        '--per <seconds>',
        '-f, --follow =false',
        textOrJson,
      ],
      recommend: [
        '-n, --namespace <namespace>',
        '--selector <selector>',
        '--window <duration> ="1h"',
        '--cluster <name>',
        '--widen-ports =false',
        '--include-denied =false',
        '--apply =false',
        '--reason <text>',
        '-o, --output <format> {yaml|json} ="yaml"',
      ],
      'recommend promote': ['<keys...>', '--reason <text>'],
      token: [],
      'token create': ['<name>', '--role <role> (required)', '-n, --namespace <namespace...> =[]', '--tier <tier...> =[]', '--expires-in-days <days>', '--reason <text>', textOrJson],
      'token list': [textOrJson],
      'token revoke': ['<id>', '--reason <text>'],
      deploy: [],
      'deploy nats-auth': ['--out <dir> (required)', '--servers <urls> ="nats://nats.palisade.svc:4222"', '--resolver-dir <path> ="/data/resolver"'],
    });
  });
});

describe('running the program in-process', () => {
  const cli = captureCli();
  const { palisade } = cli;
  const saved = { ...process.env };
  let gatewayUrl = '';
  beforeEach(async () => {
    // Nothing here may end the test runner: commander's exits and the CLI's own go through exit codes.
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)}) was called`);
    });
    gatewayUrl = `http://127.0.0.1:${await closedPort()}`;
    process.env['PALISADE_URL'] = gatewayUrl;
    process.env['PALISADE_TOKEN'] = 'pal_000000000000_test';
    process.env['PALISADE_CONFIG'] = join(tmpdir(), 'palisade-no-such-config.json');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prints the version and every help, loading no command implementation', async () => {
    expect(await palisade('--version')).toBe(0);
    expect(cli.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const program = buildProgram();
    for (const path of Object.keys(commandsOf(program))) {
      cli.out = '';
      expect(await palisade(...path.split(' '), '--help'), path).toBe(0);
      expect(cli.out).toContain(`Usage: palisade ${path}`);
    }
    expect(await palisade('--help')).toBe(0);
    expect([...loaded]).toEqual([]);
  });

  it("maps commander's usage errors to exit code 2", async () => {
    expect(await palisade('get', 'np', '--bogus')).toBe(2);
    expect(cli.err).toBe("error: unknown option '--bogus'\n(run with --help for usage)\n");
    cli.err = '';
    expect(await palisade('validate')).toBe(2);
    expect(cli.err).toContain("error: required option '-f, --filename <path...>' not specified");
    cli.err = '';
    expect(await palisade('frobnicate')).toBe(2);
    expect(cli.err).toContain("error: unknown command 'frobnicate'");
    expect(await palisade()).toBe(2);
    expect(await palisade('simulate', '--ip-version', '5')).toBe(2);
  });

  it('reports a bad whole number as a usage error, before any command runs', async () => {
    expect(await palisade('simulate', '-f', 'x.yaml', '--port', 'http')).toBe(2);
    expect(cli.err).toBe('palisade: --port must be a whole number, not "http"\n');
    cli.err = '';
    expect(await palisade('release', 'list', '--limit', 'ten')).toBe(2);
    expect(cli.err).toBe('palisade: --limit must be a whole number, not "ten"\n');
  });

  it('reports what a command throws once, under its name', async () => {
    expect(await palisade('delete')).toBe(2);
    expect(cli.err).toBe('palisade delete: give a kind and names, or -f FILE\n');
  });

  it('runs `palisade get` without loading Prisma, Temporal or the stack', async () => {
    expect(await palisade('get', 'np', 'web', '-n', 'shop')).toBe(3);
    expect(cli.err).toBe(`palisade get: cannot reach the gateway at ${gatewayUrl}: ECONNREFUSED\n`);
    expect(loaded).toContain('@trpc/client');
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
  });
});
