import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { InputError } from '../errors.js';
import { GATEWAY_HELP, outputOption } from './options.js';
import type { RecommendOptions } from '../commands/recommend.js';

const implementation = () => import('../commands/recommend.js');

/** `palisade recommend` and `palisade recommend promote`. */
export function register(program: Command): void {
  const recommend = program
    .command('recommend')
    .description('least-privilege staged policy for a namespace from the flows recorded over a window')
    // Checked in the action, not by commander: a required option of this command would also be
    // demanded of `recommend promote`, which takes none.
    .option('-n, --namespace <namespace>', 'the namespace to write policy for (required)')
    .option('--selector <selector>', 'only the workloads this selector picks')
    .option('--window <duration>', 'how far back to look (30m, 2h, 7d)', '1h')
    .option('--cluster <name>', 'flows of one cluster only')
    .option('--widen-ports', 'allow any port to a peer a workload talked to (default: only the ports seen)', false)
    .option('--include-denied', 'also allow conversations that policy denied in the window (default: only what was allowed)', false)
    .option('--apply', 'save the recommendations as staged policies (they change no verdict until promoted)', false)
    .option('--reason <text>', 'why (recorded with --apply)')
    .addOption(outputOption(['yaml', 'json'], 'yaml'))
    .addHelpText('after', `\nPrints the staged policies as YAML (each rule lists the flows it covers) and a summary on stderr.\n${GATEWAY_HELP}`)
    .action(
      action('recommend', async (opts: Omit<RecommendOptions, 'namespace'> & { namespace?: string }) => {
        if (!opts.namespace) throw new InputError('-n, --namespace <namespace> is required: the namespace to write policy for');
        const remote = await gateway();
        return (await implementation()).recommendCommand(remote, { ...opts, namespace: opts.namespace });
      }),
    );
  recommend
    .command('promote')
    .description('make staged policies enforced: each becomes the policy it stands for, and the staged one is removed')
    .argument('<keys...>', 'staged policy keys (StagedNetworkPolicy/<namespace>/<name>)')
    .option('--reason <text>', 'why')
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('recommend promote', async (keys: string[], opts: { reason?: string }) => {
        const remote = await gateway();
        return (await implementation()).promoteCommand(remote, keys, opts.reason);
      }),
    );
}
