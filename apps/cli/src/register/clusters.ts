import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption, wholeNumber } from './options.js';

const implementation = () => import('../commands/clusters.js');

/** `palisade cluster` (register, set-release, join-token, get, list). */
export function register(program: Command): void {
  const cluster = program.command('cluster').description('clusters that run releases');
  cluster
    .command('register')
    .description('register a cluster, or change its labels')
    .argument('<name>', 'a DNS label')
    .option('-l, --label <key=value...>', 'labels (waves select clusters by label)', [])
    .option('--reason <text>', 'why')
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('cluster register', async (name: string, opts: { label: string[]; reason?: string }) => {
        const remote = await gateway();
        return (await implementation()).clusterRegisterCommand(remote, name, opts.label, opts.reason);
      }),
    );
  cluster
    .command('set-release')
    .description("set the release a cluster's agents converge to")
    .argument('<cluster>', 'a registered cluster')
    .argument('<release>', 'a release hash, or a unique prefix of one (as `release list` shows them)')
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('cluster set-release', async (name: string, release: string, opts: { reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).clusterSetReleaseCommand(remote, name, release, opts);
      }),
    );
  cluster
    .command('join-token')
    .description("a token the cluster's agents join with: shown once, expiring")
    .argument('<cluster>', 'a registered cluster')
    .option('--expires-in-hours <n>', 'how long new agents may join with it (1 to 720)', wholeNumber('--expires-in-hours'), 24)
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('cluster join-token', async (name: string, opts: { expiresInHours: number; reason?: string; output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).clusterJoinTokenCommand(remote, name, opts);
      }),
    );
  cluster
    .command('get')
    .description("one cluster: labels, desired and observed release, and each node's state (applied, drifted, failed, offline)")
    .argument('<cluster>', 'a registered cluster')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('cluster get', async (name: string, opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).clusterGetCommand(remote, name, opts.output);
      }),
    );
  cluster
    .command('list')
    .description('clusters with their desired and observed releases and their agents')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('cluster list', async (opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).clusterListCommand(remote, opts.output);
      }),
    );
}
