import { Option, type Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption, wholeNumber } from './options.js';
import type { FlowsOptions } from '../commands/flows.js';

/** `palisade flows`. */
export function register(program: Command): void {
  program
    .command('flows')
    .description('flow records agents reported: what traffic did, and which policy rule decided it')
    .option('--cluster <name>', 'one cluster')
    .option('-n, --namespace <namespace>', 'flows from or to this namespace')
    .option('--endpoint <name-or-ip>', 'flows from or to this endpoint (pod or host endpoint name, or IP)')
    .addOption(new Option('--action <action>', 'Allow or Deny').choices(['Allow', 'Deny']))
    .option('--policy <tier/policy/rule>', 'decided by this rule, or any rule of a policy or tier (a prefix)')
    .option('--since <time>', 'an ISO time or a duration ago (10m, 2h, 7d)')
    .option('--until <time>', 'an ISO time or a duration ago')
    .option('--limit <n>', 'at most this many records, newest first (1 to 10000)', wholeNumber('--limit'), 1000)
    .option('--per <seconds>', 'totals (records, packets, bytes) per this many seconds and action, instead of records', wholeNumber('--per'))
    .option('-f, --follow', 'keep printing records as they are stored (one JSON object a line with -o json), until Ctrl-C', false)
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('flows', async (opts: FlowsOptions) => {
        const remote = await gateway();
        return (await import('../commands/flows.js')).flowsCommand(remote, opts);
      }),
    );
}
