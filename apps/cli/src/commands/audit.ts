import { createDbClient, EventKey, loadEventKey, verifyChain } from '@palisade/event-store';
import { readState, serviceEnv, stackEventKey, stackPaths, StackError } from '@palisade/stack';
import { redactUrl } from '@palisade/contracts';
import { stringify } from 'yaml';
import { parseTime } from '../time.js';
import { InputError, RemoteError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { keyFor, resolveKind } from '../remote/kinds.js';
import { presentable } from './get.js';

interface VerifyOutcome {
  ok: boolean;
  checked: number;
  unsealed?: number;
  broken?: { position: number; problem: string };
  head?: { position: number; hash: string };
  anchor?: { ok: boolean; anchor: { position: number; hash: string; at: string }; problem?: string };
  anchorSource?: 'given' | 'jetstream' | 'none';
}

function printVerify(result: VerifyOutcome, output: 'text' | 'json', where: string): number {
  if (output === 'json') {
    info(JSON.stringify(result, null, 2));
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  }
  if (result.ok) info(`ok: ${result.checked} events verified${result.unsealed ? `, ${result.unsealed} newer ones not sealed yet (content checked)` : ''} (${where})`);
  else info(`BROKEN at position ${result.broken!.position}: ${result.broken!.problem}\n(${result.checked} events before it verified; ${where})`);
  if (result.anchor?.ok)
    info(`the log still holds the anchor at position ${result.anchor.anchor.position} (${result.anchorSource === 'given' ? 'given' : `from JetStream, taken ${result.anchor.anchor.at}`})`);
  else if (!result.anchor) info('no anchor checked: removal of the newest events cannot be seen without one (give --anchor POSITION:HASH, or let the gateway reach NATS)');
  // Printed so an operator can keep it elsewhere and check a later verify against it.
  if (result.head) info(`head: ${result.head.position}:${result.head.hash}`);
  return result.ok ? EXIT.OK : EXIT.FAILURE;
}

/** "1234:<64 hex>" → an anchor kept by an operator. */
export function parseAnchor(text: string): { position: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match || Number(match[1]) < 1) throw new InputError(`--anchor ${JSON.stringify(text)}: expected POSITION:HASH as verify prints it after "head:" (e.g. 1234:3f2a…, 64 hex digits)`);
  return { position: Number(match[1]), hash: match[2]! };
}

/** The same check, run by the gateway (for those with a token but no database access). */
export async function auditVerifyRemote(remote: Remote, output: 'text' | 'json', anchor?: string): Promise<number> {
  const kept = anchor === undefined ? undefined : parseAnchor(anchor);
  const result = await call(remote, () => connect(remote).audit.verify.query(kept ? { anchor: kept } : undefined));
  return printVerify(result, output, `via ${remote.url}`);
}

/** The writers' key: PALISADE_EVENT_KEY, else the local stack's; without one, MACs cannot be checked. */
function eventKeyOf(home: string): EventKey | undefined {
  const text = process.env['PALISADE_EVENT_KEY'] ?? (readState(stackPaths(home).state) && !process.env['DATABASE_URL'] ? stackEventKey(home) : undefined);
  return text ? EventKey.fromText(text) : undefined;
}

/** DATABASE_URL from the environment, else the local stack's (as `palisade up` left it). */
export function databaseUrl(home: string): string {
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return fromEnv;
  const state = readState(stackPaths(home).state);
  const url = state ? serviceEnv(state)['DATABASE_URL'] : undefined;
  if (!url) throw new InputError(`no database: set DATABASE_URL, or start the local stack with \`npx palisade up\` (looked in ${home})`);
  return url;
}

/**
 * Walks the event log's hash chain and reports the first event that was edited, deleted,
 * inserted or relinked behind the store's back. Read-only.
 */
export async function auditVerify(options: { home: string; output: 'text' | 'json'; anchor?: string }): Promise<number> {
  const kept = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
  const url = databaseUrl(options.home);
  const key = eventKeyOf(options.home);
  const database = createDbClient(url, { max: 2, ...(key ? { eventKey: key } : {}) });
  // Read only: verify never records a key.
  if (key) await loadEventKey(database, key).catch(() => false);
  try {
    let result;
    try {
      result = { ...(await verifyChain(database, kept ? { anchor: { ...kept, at: 'the anchor given' } } : {})), anchorSource: kept ? ('given' as const) : ('none' as const) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/ECONNREFUSED|ENOTFOUND|reach database|connect|does not exist|authentication/i.test(message)) throw error;
      // The database is a dependency like the stack's others: unreachable is exit 3.
      throw new StackError(
        'UNREACHABLE',
        'postgres',
        `cannot read the event log at ${redactUrl(url)}: ${message
          .split('\n')
          .filter(Boolean)
          .pop()!
          .replace(/^.*Message: `?/, '')
          .replace(/`$/, '')}`,
      );
    }
    return printVerify(result, options.output, redactUrl(url));
  } finally {
    await database.close();
  }
}

export interface AuditLogOptions {
  kind?: string;
  name?: string;
  namespace?: string;
  actor?: string;
  correlation?: string;
  since?: string;
  until?: string;
  asOf?: string;
  limit: number;
  output: 'table' | 'json' | 'yaml';
}

/** A log position (digits) or a time. */
function parseAt(option: string, value: string): { position: number } | { time: string } {
  return /^\d{1,15}$/.test(value) ? { position: Number(value) } : { time: parseTime(option, value).toISOString() };
}

/**
 * The audit history through the gateway: who changed what, when and why, filtered by resource,
 * actor, correlation id and time; or, with --as-of, the state at a position or time.
 */
export async function auditLogCommand(remote: Remote, options: AuditLogOptions): Promise<number> {
  if (options.name && !options.kind) throw new InputError('--name needs --kind');
  if (options.kind && !options.name) throw new InputError('--kind needs --name (the history of one resource)');
  const key = options.kind ? keyFor(resolveKind(options.kind), options.name!, options.namespace) : undefined;
  const api = connect(remote);
  if (options.asOf) {
    const at = parseAt('--as-of', options.asOf);
    const { resources } = await call(remote, () => api.audit.asOf.query({ at, ...(key ? { key } : {}) }));
    if (key && !resources[key]) throw new RemoteError(`${key} did not exist at ${options.asOf}`, 'not-found');
    if (options.output === 'json') info(JSON.stringify(key ? resources[key] : resources, null, 2));
    else if (key || options.output === 'yaml')
      info(
        Object.values(resources)
          .flatMap((r) => (r ? [stringify(presentable(r)).trimEnd()] : []))
          .join('\n---\n'),
      );
    else
      info(
        table([
          ['RESOURCE'],
          ...Object.keys(resources)
            .sort()
            .map((k) => [k]),
        ]),
      );
    return EXIT.OK;
  }
  const filter = {
    ...(key ? { resource: key } : {}),
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.correlation ? { correlationId: options.correlation } : {}),
    ...(options.since ? { from: parseTime('--since', options.since).toISOString() } : {}),
    ...(options.until ? { to: parseTime('--until', options.until).toISOString() } : {}),
  };
  const events = [];
  let after: number | undefined;
  do {
    const page = await call(remote, () => api.audit.log.query({ ...filter, limit: Math.min(1_000, options.limit - events.length), ...(after !== undefined ? { after } : {}) }));
    events.push(...page.events);
    after = page.next;
  } while (after !== undefined && events.length < options.limit);
  if (options.output !== 'table') info(options.output === 'json' ? JSON.stringify(events, null, 2) : stringify(events));
  else
    info(
      table([
        ['POSITION', 'TIME', 'ACTOR', 'EVENT', 'SUBJECT', 'REASON'],
        ...events.map((e) => [String(e.position), e.recordedAt, e.actor, e.type, e.streamId.replace(/^resource\//, ''), e.reason ?? '']),
      ]),
    );
  return EXIT.OK;
}

/** What changed between two points of the history (positions or times). */
export async function auditDiffCommand(remote: Remote, from: string, to: string, output: 'text' | 'json'): Promise<number> {
  const diff = await call(remote, () => connect(remote).audit.diff.query({ from: parseAt('FROM', from), to: parseAt('TO', to) }));
  info(output === 'json' ? JSON.stringify(diff.diff, null, 2) : diff.text);
  return EXIT.OK;
}
