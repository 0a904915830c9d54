import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption, wholeNumber } from './options.js';

const implementation = () => import('../commands/releases.js');

/** `palisade release` (create, list, diff, get). */
export function register(program: Command): void {
  const release = program.command('release').description('immutable, content-addressed snapshots of the whole policy set');
  release
    .command('create')
    .description('take a release of the policy set as it is now (the same content is the same release)')
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('release create', async (opts: { reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).releaseCreateCommand(remote, opts.reason, opts.output);
      }),
    );
  release
    .command('list')
    .description('releases, newest first')
    .option('--limit <n>', 'at most this many', wholeNumber('--limit'), 50)
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('release list', async (opts: { limit: number; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).releaseListCommand(remote, Math.min(500, Math.max(1, opts.limit)), opts.output);
      }),
    );
  release
    .command('diff')
    .description('what changes from one release to another, field by field')
    .argument('<from>', 'a release hash or a unique prefix')
    .argument('<to>', 'a release hash or a unique prefix')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('release diff', async (from: string, to: string, opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).releaseDiffCommand(remote, from, to, opts.output);
      }),
    );
  release
    .command('get')
    .description("a release's resources")
    .argument('<hash>', 'a release hash or a unique prefix')
    .addOption(outputOption(['yaml', 'json'], 'yaml'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('release get', async (hash: string, opts: { output: 'yaml' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).releaseGetCommand(remote, hash, opts.output);
      }),
    );
}
