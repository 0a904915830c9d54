import type { Command } from 'commander';
import type { ResourceOutput } from '../commands/get.js';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption } from './options.js';

const implementation = () => import('../commands/get.js');

/** `palisade get` and `delete`: resources through the gateway. */
export function register(program: Command): void {
  program
    .command('get')
    .description('show one resource, or every resource of a kind')
    .argument('<kind>', 'NetworkPolicy, GlobalNetworkPolicy, KubernetesNetworkPolicy, Tier, ... or a short name (np, gnp, knp, hep, ns); endpoints with --cluster')
    .argument('[name]', 'the resource; all of the kind when omitted')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('-A, --all-namespaces', 'every namespace', false)
    .option('--cluster <name>', "with endpoints: the endpoints this cluster's agents report")
    .addOption(outputOption<ResourceOutput>(['table', 'wide', 'yaml', 'json'], 'table'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('get', async (kind: string, name: string | undefined, opts: { namespace: string; allNamespaces: boolean; output: ResourceOutput; cluster?: string }) => {
        const remote = await gateway();
        return (await implementation()).getCommand(remote, {
          kind,
          ...(name ? { name } : {}),
          namespace: opts.namespace,
          allNamespaces: opts.allNamespaces,
          output: opts.output,
          ...(opts.cluster ? { cluster: opts.cluster } : {}),
        });
      }),
    );

  program
    .command('delete')
    .description('delete resources by kind and name, or those the files describe, as one change')
    .argument('[kind]', 'the kind (as for get)')
    .argument('[names...]', 'one or more names')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds', 'default')
    .option('-f, --filename <path...>', 'delete the resources these files describe')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--reason <text>', 'why: recorded with the deletion')
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('delete', async (kind: string | undefined, names: string[], opts: { namespace: string; filename?: string[]; recursive: boolean; reason?: string }) => {
        const remote = await gateway();
        return (await implementation()).deleteCommand(remote, {
          ...(kind ? { kind } : {}),
          names,
          namespace: opts.namespace,
          ...(opts.filename ? { files: opts.filename } : {}),
          recursive: opts.recursive,
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
      }),
    );
}
