import type { Command } from 'commander';
import { action } from './action.js';
import { outputOption } from './options.js';

/** `palisade validate`: manifests checked locally by the engine. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('validate Calico and Kubernetes policy manifests locally, with located errors')
    .requiredOption('-f, --filename <path...>', 'a file, a directory of .yaml/.yml/.json files, or - for standard input')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('-n, --namespace <namespace>', 'namespace for namespaced resources that name none')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', '\nExit codes: 0 every document is valid, 1 some document is invalid, 2 bad usage (a missing file).')
    .action(
      action('validate', async (opts: { filename: string[]; recursive: boolean; namespace?: string; output: 'text' | 'json' }) =>
        (await import('../commands/validate.js')).validateCommand({ files: opts.filename, recursive: opts.recursive, output: opts.output, ...(opts.namespace ? { namespace: opts.namespace } : {}) }),
      ),
    );
}
