import type { Command } from 'commander';
import { action, gateway } from './action.js';
import { GATEWAY_HELP, outputOption, wholeNumber } from './options.js';

const implementation = () => import('../commands/access.js');

interface TokenCreateFlags {
  role: string;
  namespace: string[];
  tier: string[];
  expiresInDays?: number;
  reason?: string;
  output: 'text' | 'json';
}

/** `palisade token` (create, list, revoke): API tokens, for admins. */
export function register(program: Command): void {
  const token = program.command('token').description('API tokens (admins)');
  token
    .command('create')
    .description('create a token; it is printed once, only its hash is kept')
    .argument('<name>', 'who or what holds it, unique among live tokens (its writes record token:<name>#<id>(<role>))')
    .requiredOption('--role <role>', 'viewer, developer, security-admin, approver or admin')
    .option('-n, --namespace <namespace...>', 'developers: the namespaces they may write in', [])
    .option('--tier <tier...>', 'developers: the tiers they may write in (default: default)', [])
    .option('--expires-in-days <days>', 'lifetime, 1 to 1096 days (default 90)', wholeNumber('--expires-in-days'))
    .option('--reason <text>', 'why')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('token create', async (name: string, flags: TokenCreateFlags) => {
        const remote = await gateway();
        return (await implementation()).tokenCreateCommand(remote, {
          name,
          role: flags.role,
          namespaces: flags.namespace,
          tiers: flags.tier,
          output: flags.output,
          ...(flags.expiresInDays !== undefined ? { expiresInDays: flags.expiresInDays } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}),
        });
      }),
    );
  token
    .command('list')
    .description('every token: role, namespaces, expiry, last use, state (never the secret)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('token list', async (opts: { output: 'text' | 'json' }) => {
        const remote = await gateway();
        return (await implementation()).tokenListCommand(remote, opts.output);
      }),
    );
  token
    .command('revoke')
    .description('revoke a token for good')
    .argument('<id>', 'the token id (12 hex digits, as `token list` shows)')
    .option('--reason <text>', 'why')
    .addHelpText('after', GATEWAY_HELP)
    .action(
      action('token revoke', async (id: string, opts: { reason?: string }) => {
        const remote = await gateway();
        return (await implementation()).tokenRevokeCommand(remote, id, opts.reason);
      }),
    );
}
