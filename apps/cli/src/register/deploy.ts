import type { Command } from 'commander';
import { action } from './action.js';

/** `palisade deploy`: what a deployment beyond one machine needs made once (infra/kubernetes). */
export function register(program: Command): void {
  const deploy = program.command('deploy').description('make what a deployment beyond one machine needs (see infra/kubernetes/README.md)');
  deploy
    .command('nats-auth')
    .description("a new NATS operator, accounts and the services' credentials, as files to turn into Secrets")
    .requiredOption('--out <dir>', 'where to write auth.json, operator.conf and services-url (never overwritten)')
    .option('--servers <urls>', "the hub's NATS servers the gateway and worker connect to (comma-separated)", 'nats://nats.palisade.svc:4222')
    .option('--resolver-dir <path>', "the account resolver's directory inside the NATS servers", '/data/resolver')
    .action(
      action('deploy nats-auth', async (opts: { out: string; servers: string; resolverDir: string }) => {
        return (await import('../commands/deploy.js')).natsAuthCommand(opts);
      }),
    );
}
