import { bootstrapAdminToken } from '@palisade/domain';
import { applyMigrations, createDbClient, ensureAppRole, EventKey } from '@palisade/event-store';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APP_LOGIN,
  appLoginPassword,
  down,
  isAlive,
  pickPort,
  readState,
  stackEventKey,
  stackPaths,
  startProcess,
  stopProcesses,
  SUPERVISOR,
  Supervisor,
  upServices,
  type ProcessSpec,
  type StackState,
} from '@palisade/stack';
import { redactUrl } from '@palisade/contracts';
import { info, note, table } from '../output.js';
import { artefacts, requireBuilt, workspaceRoot, type Artefacts } from '../workspace.js';
import { DEMO_CLUSTERS, DEMO_NODES } from './demo/content.js';
import { seedDemo, startDemoRollout } from './demo/seed.js';
import { platformSpecs, type PlatformPorts } from './platform.js';
import { SUPERVISING } from './supervise.js';

export interface UpOptions {
  home: string;
  detach: boolean;
  console: boolean;
  /** Seed the demo on the first start (three clusters of simulated agents, policies rolled out, traffic). */
  demo: boolean;
}

const PREFERRED = { gateway: 14000, console: 13000 } as const;

/**
 * Starts the whole platform on the local stack: PostgreSQL, NATS JetStream and Temporal (or the
 * servers the environment names), then the worker, the gateway and the console; on the first
 * start (unless --no-demo) it seeds the demo and starts its simulated agents. In the foreground
 * it stays until Ctrl-C (or a process dies) and then stops everything; with --detach it returns.
 */
export async function up(options: UpOptions): Promise<number> {
  const root = workspaceRoot();
  const paths = stackPaths(options.home);
  const existing = readState(paths.state);
  const gateway = existing?.processes['gateway'];
  if (gateway && isAlive(gateway.pid)) {
    info(`Palisade is already up (stack in ${options.home}); \`palisade status\` shows it, \`palisade down\` stops it.`);
    printSummary(existing, options.home);
    return 0;
  }
  const built = artefacts(root);
  const withConsole = options.console && built.consoleBuilt;
  if (options.console && !built.consoleBuilt) note('the console is not built (apps/console/.next); starting without it');
  requireBuilt(built, false);
  if (existing) {
    // A partial platform from an earlier run (its gateway died): restart the processes from scratch.
    const stopped = await stopProcesses(options.home);
    if (stopped.length) note(`stopped ${stopped.join(', ')} left from an earlier run`);
  }

  const state = await upServices({ home: options.home, profile: 'dev', log: note });
  let specs: ProcessSpec[];
  let admin: Awaited<ReturnType<typeof makeBootstrapToken>>;
  let demo: { rollout: string | null } | undefined;
  try {
    await prepareDatabase(state, options.home);
    const ports = { gateway: await pickPort(PREFERRED.gateway), ...(withConsole ? { console: await pickPort(PREFERRED.console) } : {}) };
    specs = platformSpecs(built, state, options.home, ports);
    for (const spec of specs) {
      const record = await startProcess(options.home, spec);
      note(spec.url ? `${spec.name} ready at ${spec.url}` : `${spec.name} running (pid ${record.pid})`);
    }
    admin = await makeBootstrapToken(readState(paths.state)!, options.home);
    if (admin && options.demo) {
      const started = await startDemo(built, options.home, ports, admin.token);
      if (started) {
        specs = platformSpecs(built, readState(paths.state)!, options.home, ports);
        demo = started;
      }
    }
    if (options.detach) {
      // Detached, a supervisor of its own keeps the processes up once this command has returned.
      const log = join(paths.logs, 'supervisor.log');
      await startProcess(options.home, {
        name: SUPERVISOR,
        command: process.execPath,
        args: [process.argv[1]!, 'supervise', '--home', options.home],
        env: process.env,
        ready: async () => {
          if (!existsSync(log) || !readFileSync(log, 'utf8').includes(SUPERVISING)) throw new Error('not supervising yet');
        },
      });
      note('supervisor running: a process that exits is started again (logs/supervisor.log)');
    }
  } catch (error) {
    note('stopping what was started');
    await down(options.home);
    throw error;
  }

  const final = readState(paths.state)!;
  info(`Palisade is up (stack in ${options.home})`);
  printSummary(final, options.home);
  if (admin) printBootstrapToken(admin, final);
  if (demo) printDemo(final, demo.rollout);
  if (options.detach) {
    info('Stop it with: npx palisade down');
    return 0;
  }
  info('Press Ctrl-C to stop.');
  return watch(options.home, specs);
}

/**
 * The schema is the owner's business: migrations run here, as the owner, and on the stack's own
 * PostgreSQL the gateway gets a login that can read and append but never rewrite the log.
 */
async function prepareDatabase(state: StackState, home: string): Promise<void> {
  const postgres = state.services.postgres;
  const result = await applyMigrations(postgres.url);
  if (result.applied.length) note(`applied ${result.applied.length} database migration(s)`);
  if (postgres.mode === 'private') await ensureAppRole(postgres.url, { user: APP_LOGIN, password: appLoginPassword(home) });
}

/**
 * On the first start against a database with no API token, makes an admin token: printed once
 * at the end of the start (only its hash is stored), and used meanwhile to seed the demo.
 */
async function makeBootstrapToken(state: StackState, home: string) {
  // Written with the gateway's key, as every event is.
  const database = createDbClient(state.services.postgres.url, { max: 1, eventKey: EventKey.fromText(stackEventKey(home)) });
  try {
    return await bootstrapAdminToken(database);
  } finally {
    await database.close();
  }
}

function printBootstrapToken(made: NonNullable<Awaited<ReturnType<typeof makeBootstrapToken>>>, state: StackState): void {
  const consoleUrl = state.processes['console']?.url;
  info('');
  info(`Admin API token (shown this once; it expires ${made.info.expiresAt!.toISOString().slice(0, 10)}):`);
  info(`  ${made.token}`);
  if (consoleUrl) info(`Sign in to the console at ${consoleUrl} with it.`);
  info('Keep it safe: log in with it (it is read from standard input, never from the command line),');
  info(`  echo '<the token>' | npx palisade login --server ${state.processes['gateway']?.url ?? 'http://127.0.0.1:4000'}`);
  info('create the other tokens (npx palisade token create NAME --role ROLE), then revoke it.');
}

/**
 * Seeds the demo and starts its simulated agents, then its first rollout. A demo that fails is
 * reported and left: the platform itself is up, and `palisade down --purge` starts afresh.
 */
async function startDemo(built: Artefacts, home: string, ports: PlatformPorts, token: string): Promise<{ rollout: string | null } | undefined> {
  const remote = { url: `http://127.0.0.1:${ports.gateway}`, token };
  try {
    note('seeding the demo: three clusters of a microservice shop, its policies, and traffic');
    const { release } = await seedDemo(remote, home, note);
    const spec = platformSpecs(built, readState(stackPaths(home).state)!, home, ports).find((s) => s.name === 'demo-agents')!;
    const record = await startProcess(home, spec);
    note(`demo-agents running (pid ${record.pid}): ${DEMO_CLUSTERS.length * DEMO_NODES} simulated nodes`);
    return { rollout: await startDemoRollout(remote, home, release, note) };
  } catch (error) {
    note(`the demo could not be seeded: ${(error as Error).message}; the platform is up without it (palisade down --purge, then up, to try again)`);
    return undefined;
  }
}

function printDemo(state: StackState, rollout: string | null): void {
  const consoleUrl = state.processes['console']?.url;
  info('');
  info(`Demo: clusters ${DEMO_CLUSTERS.map((c) => c.name).join(', ')} run a microservice shop on simulated agents, with traffic.`);
  if (rollout) info(`Its first release is rolling out in waves${consoleUrl ? `: ${consoleUrl}/rollouts?id=${rollout}` : `: npx palisade rollout status ${rollout} --watch`}`);
  if (consoleUrl) info(`Then look at ${consoleUrl}/flows, ${consoleUrl}/graph and ${consoleUrl}/recommend.`);
}

function printSummary(state: StackState, home: string): void {
  const rows: string[][] = [];
  for (const [name, s] of Object.entries(state.services)) {
    const extra = name === 'nats' && s.details['monitor'] ? `  monitor ${s.details['monitor']}` : '';
    rows.push([name, s.mode, s.listen, redactUrl(s.url) + extra]);
  }
  for (const [name, p] of Object.entries(state.processes)) {
    rows.push([name, `pid ${p.pid}`, p.url ? p.url.replace(/^https?:\/\//, '') : '-', name === 'gateway' ? `${p.url}/readyz` : (p.url ?? `log ${p.log}`)]);
  }
  info(table(rows.map((r) => ['  ' + r[0]!, ...r.slice(1)])));
  info(`Logs: ${stackPaths(home).logs}`);
}

/**
 * Foreground mode: keep the processes up (one that exits is started again, within limits) until a
 * signal, or until one keeps dying; then stop everything.
 */
async function watch(home: string, specs: ProcessSpec[]): Promise<number> {
  const abort = new AbortController();
  let signalled: string | undefined;
  const onSignal = (signal: string) => {
    signalled = signal;
    abort.abort();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  const outcome = await new Supervisor(home, specs, note).run(abort.signal);
  const reason = 'gaveUp' in outcome ? { code: 1, why: outcome.gaveUp } : { code: 0, why: `received ${signalled ?? 'a stop request'}` };
  info(`Stopping: ${reason.why}`);
  const report = await down(home);
  info(`Stopped ${report.stopped.join(', ') || 'nothing'}${report.left.length ? `; still running: ${report.left.join(', ')}` : ''}`);
  return report.left.length ? 1 : reason.code;
}
