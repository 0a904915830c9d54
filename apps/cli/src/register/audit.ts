import type { Command } from 'commander';
import { action, gateway, stackHome } from './action.js';
import { GATEWAY_HELP, homeOption, outputOption, wholeNumber } from './options.js';

const implementation = () => import('../commands/audit.js');

interface AuditLogFlags {
  kind?: string;
  name?: string;
  namespace: string;
  actor?: string;
  correlation?: string;
  since?: string;
  until?: string;
  asOf?: string;
  limit: number;
  output: 'table' | 'json' | 'yaml';
}

/** `palisade audit` (log, diff, verify): the audit history. */
export function register(program: Command): void {
  const audit = program.command('audit').description('the audit history: who changed what, when and why');
  audit
    .command('log', { isDefault: true })
    .description('the history through the gateway, filtered by resource, actor, correlation id and time; or the state --as-of a position or time')
    .option('--kind <kind>', 'with --name: the history of one resource')
    .option('--name <name>', 'the resource name')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('--actor <actor>', "a token's name (token:dana), its id (a1b2c3d4e5f6), or an exact actor (token:dana#a1b2c3d4e5f6(developer), system:bootstrap)")
    .option('--correlation <id>', 'every event of one change')
    .option('--since <time>', 'an ISO time or a duration ago (15m, 2h, 7d)')
    .option('--until <time>', 'an ISO time or a duration ago')
    .option('--as-of <when>', 'a log position or a time: the resource (or the whole set) as it was then')
    .option('--limit <n>', 'at most this many events', wholeNumber('--limit'), 100)
    .addOption(outputOption(['table', 'json', 'yaml'], 'table'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('audit', async (flags: AuditLogFlags) => {
        const remote = await gateway();
        return (await implementation()).auditLogCommand(remote, { ...flags, limit: Math.min(10_000, Math.max(1, flags.limit)) });
      }),
    );
  audit
    .command('diff')
    .description('what changed between two points of the history')
    .argument('<from>', 'a log position or a time')
    .argument('<to>', 'a log position or a time')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('audit diff', async (from: string, to: string, opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).auditDiffCommand(remote, from, to, opts.output);
      }),
    );
  audit
    .command('verify')
    .description("walk the event log's hash chain and report the first event edited, deleted or inserted behind the store's back")
    .addOption(outputOption(['text', 'json'], 'text'))
    .option('--remote', 'ask the gateway to run the check (needs a token, not database access); it also checks the newest anchor on JetStream', false)
    .option('--anchor <position:hash>', 'a chain head printed by an earlier verify ("head: …") and kept elsewhere: the log must still hold it')
    .addOption(homeOption())
    .addHelpText(
      'after',
      '\nUses DATABASE_URL, or the local stack started by `palisade up`; with --remote, the gateway.\nExit codes: 0 the chain holds, 1 it is broken (the first break is reported), 2 no database given, 3-6 as for other gateway commands.',
    )
    .action(
      action('audit verify', async (opts: { output: 'text' | 'json'; remote: boolean; home?: string; anchor?: string }) => {
        if (opts.remote) {
          const remote = await gateway();
          return (await implementation()).auditVerifyRemote(remote, opts.output, opts.anchor);
        }
        const home = await stackHome(opts.home);
        return (await implementation()).auditVerify({ home, output: opts.output, ...(opts.anchor ? { anchor: opts.anchor } : {}) });
      }),
    );
}
