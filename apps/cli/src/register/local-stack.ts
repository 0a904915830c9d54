import type { Command } from 'commander';
import { action, stackHome } from './action.js';
import { homeOption, outputOption } from './options.js';

/** `palisade up`, `down` and `status`: the local stack. */
export function register(program: Command): void {
  program
    .command('up')
    .description('start the platform on a local stack: PostgreSQL, NATS JetStream, Temporal, the worker, the gateway and the console')
    .option('-d, --detach', 'return once everything is ready instead of staying in the foreground', false)
    .option('--no-console', 'do not start the web console')
    .option('--no-demo', 'on the first start, leave the platform empty instead of seeding the demo (three clusters of simulated agents, the shop, its policies rolled out, traffic)')
    .addOption(homeOption())
    .addHelpText(
      'after',
      `
Existing servers are used instead of private ones when these are set:
  DATABASE_URL        postgres://user:password@host:port/database
  NATS_URL            nats://host:port (JetStream enabled)
  TEMPORAL_ADDRESS    host:port   (TEMPORAL_NAMESPACE, default "default")
Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 a dependency is unreachable.`,
    )
    .action(
      action('up', async (opts: { detach: boolean; console: boolean; demo: boolean; home?: string }) => {
        const home = await stackHome(opts.home);
        return (await import('../commands/up.js')).up({ home, detach: opts.detach, console: opts.console, demo: opts.demo });
      }),
    );

  // Started by `up --detach`; hidden from help, as people never run it themselves.
  program
    .command('supervise', { hidden: true })
    .description("keep a detached stack's processes running (started by palisade up --detach)")
    .addOption(homeOption())
    .action(
      action('supervise', async (opts: { home?: string }) => {
        const home = await stackHome(opts.home);
        return (await import('../commands/supervise.js')).supervise(home);
      }),
    );

  program
    .command('down')
    .description('stop everything `palisade up` started (servers named by environment variables are left alone)')
    .option('--purge', "then delete the stack's state: its databases, streams, keys and logs (the next up starts afresh)", false)
    .addOption(homeOption())
    .action(
      action('down', async (opts: { home?: string; purge: boolean }) => {
        const home = await stackHome(opts.home);
        return (await import('../commands/down.js')).down(home, opts.purge);
      }),
    );

  program
    .command('status')
    .description('probe every service and process of the local stack and run a workflow end to end')
    .addOption(outputOption(['table', 'json'], 'table'))
    .addOption(homeOption())
    .action(
      action('status', async (opts: { output: 'table' | 'json'; home?: string }) => {
        const home = await stackHome(opts.home);
        return (await import('../commands/status.js')).status(home, opts.output);
      }),
    );
}
