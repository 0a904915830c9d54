import { startTracing, TelemetryConfigError } from '@palisade/telemetry';
import type { AgentLog } from '../agent.js';
import { InventoryError } from '../inventory/node-inventory.js';
import { TrafficMixError } from '../flows/traffic.js';
import { JoinError } from './credentials.js';
import { runAgent } from './runner.js';
import { AgentSettingsError, loadAgentSettings, type AgentSettingsSources } from './settings.js';

/** Exit codes of an agent process, as `palisade agent run --help` documents them. */
export const AGENT_EXIT = { OK: 0, USAGE: 2, UNAVAILABLE: 3, DENIED: 4 } as const;

/** One JSON line per event on stderr, as a service manager's journal wants it. */
export const jsonLog: AgentLog = (level, message, fields) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }) + '\n');

/**
 * An agent process from start to exit: settings, join, run until SIGTERM/SIGINT. Bad settings or
 * no join token exit 2, an unreachable gateway 3, a refused join or revoked credentials 4.
 */
export async function agentProcess(sources: AgentSettingsSources, version: string, env: Record<string, string | undefined> = process.env, log: AgentLog = jsonLog): Promise<number> {
  const fail = (code: number, message: string) => {
    log('error', message);
    return code;
  };
  let settings;
  try {
    settings = loadAgentSettings(sources, env);
  } catch (error) {
    if (error instanceof AgentSettingsError) return fail(AGENT_EXIT.USAGE, error.message);
    throw error;
  }
  // Applying a release set while tracing joins the rollout's trace (OTEL_TRACES_EXPORTER; off by default).
  let tracing;
  try {
    tracing = startTracing('palisade-agent', { version, env });
  } catch (error) {
    if (error instanceof TelemetryConfigError) return fail(AGENT_EXIT.USAGE, error.message);
    throw error;
  }
  const stop = new AbortController();
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  void signalled.then(() => stop.abort());
  let running;
  try {
    running = await runAgent({ settings, agentVersion: version, log, signal: stop.signal });
  } catch (error) {
    if (stop.signal.aborted) return AGENT_EXIT.OK;
    if (error instanceof InventoryError || error instanceof TrafficMixError) return fail(AGENT_EXIT.USAGE, error.message);
    if (error instanceof JoinError) return fail(error.code === 'UNREACHABLE' ? AGENT_EXIT.UNAVAILABLE : error.code === 'NO_TOKEN' ? AGENT_EXIT.USAGE : AGENT_EXIT.DENIED, error.message);
    throw error;
  }
  const outcome = await Promise.race([signalled.then((signal) => ({ signal, closed: undefined })), running.closed.then((closed) => ({ signal: undefined, closed }))]);
  await running.stop();
  await tracing.shutdown().catch(() => undefined);
  if (outcome.closed) return fail(AGENT_EXIT.DENIED, outcome.closed.message);
  log('info', 'agent stopped', { signal: outcome.signal });
  return AGENT_EXIT.OK;
}
