import { Option, type Command } from 'commander';
import { action } from './action.js';

/** `palisade compile`: one node's ruleset from files. */
export function register(program: Command): void {
  program
    .command('compile')
    .description("print one node's compiled ruleset (nftables) or its dataplane-neutral IR")
    .requiredOption('-f, --filename <path...>', 'snapshot: files or directories of YAML/JSON')
    .option('-R, --recursive', 'read directories recursively', false)
    .requiredOption('--node <node>', 'the node to compile for')
    .addOption(new Option('--format <format>', 'output format').choices(['nft', 'json']).default('nft'))
    .action(
      action('compile', async (opts: { filename: string[]; recursive: boolean; node: string; format: 'nft' | 'json' }) =>
        (await import('../commands/compile.js')).compileCommand({ files: opts.filename, recursive: opts.recursive, node: opts.node, format: opts.format }),
      ),
    );
}
