import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCredentials } from '@palisade/contracts';

export class JoinError extends Error {
  constructor(
    readonly code: 'NO_TOKEN' | 'REFUSED' | 'UNREACHABLE' | 'BAD_RESPONSE',
    message: string,
  ) {
    super(message);
    this.name = 'JoinError';
  }
}

export const credentialsPath = (stateDir: string) => join(stateDir, 'credentials.json');

/** The credentials an earlier join left in the state directory, when they are this cluster's and node's. */
export function storedCredentials(stateDir: string, cluster: string, node: string): AgentCredentials | undefined {
  const path = credentialsPath(stateDir);
  if (!existsSync(path)) return undefined;
  const parsed = AgentCredentials.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success || parsed.data.cluster !== cluster || parsed.data.node !== node) return undefined;
  return parsed.data;
}

/** Written whole or not at all (rename), readable by the agent's user only: the seed is a secret. */
export function storeCredentials(stateDir: string, credentials: AgentCredentials): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(stateDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * Exchanges a cluster's join token at the gateway (agents.join) for this node's own credentials.
 * The token proves membership of the cluster once; from then on the node has credentials no other
 * node shares, so revoking one node cuts off only that node.
 */
export async function joinCluster(gateway: string, token: string, node: string, fetchImpl: typeof fetch = fetch): Promise<AgentCredentials> {
  const url = new URL('/trpc/agents.join', gateway);
  let response: Response;
  try {
    response = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, node }), signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new JoinError('UNREACHABLE', `cannot reach the gateway at ${url.origin}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as { result?: { data?: unknown }; error?: { message?: string } } | undefined;
  if (!response.ok) throw new JoinError('REFUSED', `the gateway refused the join (HTTP ${response.status}): ${body?.error?.message ?? 'no reason given'}`);
  const parsed = AgentCredentials.safeParse(body?.result?.data);
  if (!parsed.success) throw new JoinError('BAD_RESPONSE', `the gateway's answer to agents.join is not credentials: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return parsed.data;
}
