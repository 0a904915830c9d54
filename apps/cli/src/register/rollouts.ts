import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption } from './options.js';

const implementation = () => import('../commands/rollout-plans.js');

/** `palisade rollout plan` (validate, apply, list, get, delete, dry-run). */
export function register(program: Command): void {
  const rollout = program.command('rollout').description('staged rollouts of a release across clusters');
  const plan = rollout.command('plan').description('rollout plans: waves of clusters, with gates, soak times and approvals');
  plan
    .command('validate')
    .description('check a plan file here (no gateway): every problem with its line and column')
    .requiredOption('-f, --file <file>', 'the plan (YAML or JSON; - for stdin)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(action('rollout plan validate', async (opts: { file: string; output: 'text' | 'json' }) => (await implementation()).planValidateCommand(opts.file, opts.output)));
  plan
    .command('apply')
    .description('store a plan under its name, for rollouts to use')
    .requiredOption('-f, --file <file>', 'the plan (YAML or JSON; - for stdin)')
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout plan apply', async (opts: { file: string; reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).planApplyCommand(remote, opts.file, opts);
      }),
    );
  plan
    .command('list')
    .description('stored plans')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout plan list', async (opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).planListCommand(remote, opts.output);
      }),
    );
  plan
    .command('get')
    .description('a stored plan: as written (yaml) or as checked, with every default (json)')
    .argument('<name>', 'the plan')
    .addOption(outputOption(['yaml', 'json'], 'yaml'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout plan get', async (name: string, opts: { output: 'yaml' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).planGetCommand(remote, name, opts.output);
      }),
    );
  plan
    .command('delete')
    .description('delete a stored plan (rollouts that used it keep their copy)')
    .argument('<name>', 'the plan')
    .option('--reason <text>', 'why')
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout plan delete', async (name: string, opts: { reason?: string }) => {
        const remote = await gateway();
        return (await implementation()).planDeleteCommand(remote, name, opts.reason);
      }),
    );
  plan
    .command('dry-run')
    .description('which clusters each wave would take now, from the registered clusters and their labels')
    .argument('[name]', 'a stored plan')
    .option('-f, --file <file>', 'or a plan file (- for stdin)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout plan dry-run', async (name: string | undefined, opts: { file?: string; output: 'text' | 'json' }) => {
        if ((name === undefined) === (opts.file === undefined)) throw new InputError('name a stored plan or give a plan file with -f, not both');
        const remote = await gateway();
        return (await implementation()).planDryRunCommand(remote, { ...(opts.file !== undefined ? { file: opts.file } : {}), ...(name !== undefined ? { name } : {}) }, opts.output);
      }),
    );
}
