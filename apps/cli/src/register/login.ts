import type { Command } from 'commander';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { action, gateway, stackHome } from './action.js';
import { GATEWAY_HELP, homeOption, outputOption } from './options.js';

const implementation = () => import('../commands/access.js');

/** `palisade login` and `whoami`: the token this CLI uses. */
export function register(program: Command): void {
  program
    .command('login')
    .description('check an API token against the gateway and save both for later commands (the token is read from standard input or PALISADE_TOKEN)')
    .option('--server <url>', 'the gateway, e.g. http://127.0.0.1:4000 (default: PALISADE_URL or the local stack)')
    .addOption(homeOption())
    .addHelpText(
      'after',
      `\nExample: echo "$TOKEN" | palisade login --server https://palisade.example.com\nThe file is $PALISADE_CONFIG, else $PALISADE_HOME/login.json, else ~/.config/palisade/config.json; readable by you alone.\n${EXIT_CODES_HELP}`,
    )
    .action(
      action('login', async (opts: { server?: string; home?: string }) => {
        const home = await stackHome(opts.home);
        return (await implementation()).loginCommand({ ...(opts.server ? { server: opts.server } : {}), home });
      }),
    );

  program
    .command('whoami')
    .description('show who the API token belongs to, its role and where it may write')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('whoami', async (opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).whoamiCommand(remote, opts.output);
      }),
    );
}
