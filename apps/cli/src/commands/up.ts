import { bootstrapAdminToken } from '@palisade/domain';
import { createDbClient } from '@palisade/event-store';
import { down, isAlive, pickPort, readState, serviceEnv, stackPaths, startProcess, stopProcesses, upServices, type StackState } from '@palisade/stack';
import { redactUrl } from '@palisade/contracts';
import { info, note, table } from '../output.js';
import { gatewayReady, httpOk, workerPolling } from '../readiness.js';
import { artefacts, requireBuilt, workspaceRoot } from '../workspace.js';

export interface UpOptions {
  home: string;
  detach: boolean;
  console: boolean;
}

const PREFERRED = { gateway: 14000, console: 13000 } as const;

/**
 * Starts the whole platform on the local stack: PostgreSQL, NATS JetStream and Temporal (or the
 * servers the environment names), then the worker, the gateway and the console. In the foreground
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
  try {
    const env = { ...process.env, ...serviceEnv(state) };
    const temporal = state.services.temporal;
    const namespace = temporal.details['namespace'] ?? 'default';

    const worker = await startProcess(options.home, {
      name: 'worker',
      command: process.execPath,
      args: [built.worker],
      env,
      ready: async () => workerPolling(temporal.url, namespace, readState(paths.state)?.processes['worker']?.pid ?? 0),
    });
    note(`worker running (pid ${worker.pid})`);

    const gatewayPort = await pickPort(PREFERRED.gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    await startProcess(options.home, {
      name: 'gateway',
      command: process.execPath,
      args: [built.gateway],
      env: { ...env, GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(gatewayPort) },
      url: gatewayUrl,
      ready: () => gatewayReady(gatewayUrl),
    });
    note(`gateway ready at ${gatewayUrl}`);

    if (withConsole) {
      const consolePort = await pickPort(PREFERRED.console);
      const consoleUrl = `http://127.0.0.1:${consolePort}`;
      await startProcess(options.home, {
        name: 'console',
        command: process.execPath,
        args: [built.nextBin, 'start', '-p', String(consolePort), '-H', '127.0.0.1'],
        cwd: built.consoleDir,
        env: { ...env, PALISADE_GATEWAY_URL: gatewayUrl, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
        url: consoleUrl,
        ready: () => httpOk(consoleUrl),
      });
      note(`console ready at ${consoleUrl}`);
    }
  } catch (error) {
    note('stopping what was started');
    await down(options.home);
    throw error;
  }

  const final = readState(paths.state)!;
  info(`Palisade is up (stack in ${options.home})`);
  printSummary(final, options.home);
  await printBootstrapToken(final);
  if (options.detach) {
    info('Stop it with: npx palisade down');
    return 0;
  }
  info('Press Ctrl-C to stop.');
  return watch(options.home, final);
}

/**
 * On the first start against a database with no API token, makes an admin token and prints it:
 * this is the only time it is shown (only its hash is stored).
 */
async function printBootstrapToken(state: StackState): Promise<void> {
  const database = createDbClient(state.services.postgres.url, { max: 1 });
  try {
    const made = await bootstrapAdminToken(database);
    if (!made) return;
    info('');
    info(`Admin API token (shown this once; it expires ${made.info.expiresAt!.toISOString().slice(0, 10)}):`);
    info(`  ${made.token}`);
    info('Keep it safe: log in with it (it is read from standard input, never from the command line),');
    info(`  echo '<the token>' | npx palisade login --server ${state.processes['gateway']?.url ?? 'http://127.0.0.1:4000'}`);
    info('create the other tokens (npx palisade token create NAME --role ROLE), then revoke it.');
  } finally {
    await database.close();
  }
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

/** Foreground mode: wait for a signal or for a process to die, then stop everything. */
async function watch(home: string, state: StackState): Promise<number> {
  const reason = await new Promise<{ code: number; why: string }>((resolve) => {
    const onSignal = (signal: string) => resolve({ code: 0, why: `received ${signal}` });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('SIGHUP', onSignal);
    const timer = setInterval(() => {
      for (const [name, p] of Object.entries(state.processes)) {
        if (!isAlive(p.pid)) {
          clearInterval(timer);
          resolve({ code: 1, why: `${name} (pid ${p.pid}) exited unexpectedly; see ${p.log}` });
          return;
        }
      }
    }, 1_000);
  });
  info(`Stopping: ${reason.why}`);
  const report = await down(home);
  info(`Stopped ${report.stopped.join(', ') || 'nothing'}${report.left.length ? `; still running: ${report.left.join(', ')}` : ''}`);
  return report.left.length ? 1 : reason.code;
}
