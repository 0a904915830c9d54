import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption } from './options.js';

interface ApplyFlags {
  filename: string[];
  recursive: boolean;
  reason?: string;
  dryRun: boolean;
  flows?: string;
  output: 'text' | 'json';
}

/** `palisade apply`: files written through the gateway as one change. */
export function register(program: Command): void {
  program
    .command('apply')
    .description('create or update resources from files, as one change (all or nothing), and print what changed')
    .requiredOption('-f, --filename <path...>', 'a file, a directory of .yaml/.yml/.json files, or - for standard input')
    .option('-R, --recursive', 'read directories recursively', false)
    .option('--reason <text>', 'why: recorded with every event of the change')
    .option('--dry-run', 'write nothing: show which endpoints each policy would newly select or stop selecting', false)
    .option('--flows <file>', 'with --dry-run: a JSON list of flows ({from, to, protocol, port}) to check for verdict changes')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', `\nmetadata.resourceVersion (as \`palisade get\` prints it) makes the write conditional: if the resource changed since, it is refused (exit 5).${GATEWAY_HELP}`)
    .action(
      action('apply', async (flags: ApplyFlags) => {
        const remote = await gateway();
        return (await import('../commands/apply.js')).applyCommand(remote, {
          files: flags.filename,
          recursive: flags.recursive,
          dryRun: flags.dryRun,
          output: flags.output,
          ...(flags.reason ? { reason: flags.reason } : {}),
          ...(flags.flows ? { flows: flags.flows } : {}),
        });
      }),
    );
}
