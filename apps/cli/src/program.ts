import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { reportFailure } from './register/action.js';
import * as agent from './register/agent.js';
import * as apply from './register/apply.js';
import * as audit from './register/audit.js';
import * as clusters from './register/clusters.js';
import * as compile from './register/compile.js';
import * as flows from './register/flows.js';
import * as localStack from './register/local-stack.js';
import * as login from './register/login.js';
import * as recommend from './register/recommend.js';
import * as releases from './register/releases.js';
import * as resources from './register/resources.js';
import * as rollouts from './register/rollouts.js';
import * as simulate from './register/simulate.js';
import * as tokens from './register/tokens.js';
import * as deploy from './register/deploy.js';
import * as validate from './register/validate.js';

/**
 * Adds its commands, their options and help; each command loads its implementation when it runs,
 * so registering them all loads nothing heavy (`palisade get` never loads Prisma, Temporal or the stack).
 */
interface CommandGroup {
  register(program: Command): void;
}

/** In the order `palisade --help` lists them. */
const COMMAND_GROUPS: readonly CommandGroup[] = [localStack, validate, simulate, compile, audit, login, apply, resources, releases, clusters, rollouts, agent, flows, recommend, tokens, deploy];

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('palisade')
    .description('Palisade: Calico network policy, rolled out in stages across clusters, VMs and hosts.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    // Throw instead of exiting (subcommands inherit this): runCli sets the exit code, and tests run the program in-process.
    .exitOverride();
  for (const group of COMMAND_GROUPS) group.register(program);
  return program;
}

/** `palisade <argv>`: the exit code is left in process.exitCode; nothing here calls process.exit. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // commander has already printed the help, the version or what was wrong with the command line.
    if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    else process.exitCode = await reportFailure(undefined, error);
  }
}
