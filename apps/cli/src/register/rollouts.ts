import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption } from './options.js';

const implementation = () => import('../commands/rollout-plans.js');
const rollouts = () => import('../commands/rollouts.js');

/** `palisade rollout` (start, status, list, history, approve, pause, resume, abort) and `rollout plan`. */
export function register(program: Command): void {
  const rollout = program.command('rollout').description('staged rollouts of a release across clusters');
  rollout
    .command('start')
    .description('roll a release out with a plan: waves of clusters, gates, soak times and approvals')
    .requiredOption('--release <hash>', 'a release hash, or a unique prefix of one')
    .requiredOption('--plan <name|file>', 'a stored plan by name, or a plan file (- for stdin)')
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout start', async (opts: { release: string; plan: string; reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await rollouts()).rolloutStartCommand(remote, opts);
      }),
    );
  rollout
    .command('status')
    .description("a rollout's waves and clusters, acks and gates (the latest rollout without an id)")
    .argument('[id]', 'a rollout id')
    .option('-w, --watch', 'follow it until it ends (exits 1 when it fails or is aborted)', false)
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout status', async (id: string | undefined, opts: { watch: boolean; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await rollouts()).rolloutStatusCommand(remote, id, opts);
      }),
    );
  rollout
    .command('list')
    .description('rollouts, newest first')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout list', async (opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await rollouts()).rolloutListCommand(remote, opts.output);
      }),
    );
  rollout
    .command('history')
    .description('every step of a rollout: what, who, why, when')
    .argument('<id>', 'a rollout id')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('rollout history', async (id: string, opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await rollouts()).rolloutHistoryCommand(remote, id, opts.output);
      }),
    );
  for (const [kind, description] of [
    ['approve', 'approve the wave a rollout waits for (approvers; not your own rollout unless its plan allows it)'],
    ['pause', 'stop starting clusters (those in progress finish)'],
    ['resume', 'carry on after a pause'],
    ['abort', 'stop, and send every cluster the rollout touched back to its previous release'],
  ] as const) {
    const command = rollout.command(kind).description(description).argument('<id>', 'a rollout id');
    if (kind === 'approve') command.option('--wave <name>', 'the wave (default: the one waiting)');
    command
      .option('--reason <text>', 'why')
      .addOption(outputOption(['text', 'json'], 'text'))
      .addHelpText('after', GATEWAY_HELP)
      .action(
        action(`rollout ${kind}`, async (id: string, opts: { reason?: string; wave?: string; output: 'text' | 'json' }) => {
          const remote = await gateway();
          return (await rollouts()).rolloutControlCommand(remote, kind, id, opts);
        }),
      );
  }
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
