import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { agentInboxPrefix, agentPermissions } from '@palisade/bus';
import { parseNatsUrl, redactUrl, type AgentCredentials } from '@palisade/contracts';
import { encodePlatformAccount, issueUser, NatsAuth, pushAccount } from '@palisade/nats-auth';
import type { Logger } from 'pino';

export interface AgentIssuer {
  /** Whether nats-server enforces what issued credentials allow (operator mode). */
  readonly enforced: boolean;
  issue(cluster: string, node: string): Promise<{ credentials: AgentCredentials; userKey: string }>;
  /** Sends the account with these revocations to NATS: revoked users are disconnected and refused. */
  publishRevocations(revoked: Record<string, number>): Promise<void>;
}

/** The servers agents are told to use: AGENT_NATS_URL, else NATS_URL's, never with credentials. */
export function agentServers(natsUrl: string, agentNatsUrl?: string): string[] {
  return parseNatsUrl(agentNatsUrl ?? natsUrl).servers;
}

/**
 * Issues agents their NATS credentials from the operator-mode keys in NATS_AUTH_FILE. Without the
 * file (a NATS the platform does not run in operator mode) agents only learn where NATS is.
 */
export function createAgentIssuer(options: { authFile?: string; natsUrl: string; agentNatsUrl?: string; log: Logger }): AgentIssuer {
  const servers = agentServers(options.natsUrl, options.agentNatsUrl);
  if (!options.authFile) {
    options.log.warn('NATS_AUTH_FILE is not set: joining agents get no NATS credentials of their own and nats-server enforces nothing per node');
    return {
      enforced: false,
      issue: async (cluster, node) => ({ credentials: { cluster, node, servers, issuedAt: new Date().toISOString() }, userKey: `unenforced:${cluster}/${node}/${Date.now()}` }),
      publishRevocations: async () => undefined,
    };
  }
  const auth = NatsAuth.parse(JSON.parse(readFileSync(options.authFile, 'utf8')));
  // The system user is reached at the servers the gateway itself uses.
  const systemUrl = parseNatsUrl(options.natsUrl)
    .servers.map((s) => s.replace('://', `://${auth.systemUserJwt}@`))
    .join(',');
  return {
    enforced: true,
    async issue(cluster, node) {
      const user = await issueUser(auth, `agent ${cluster}/${node}`, agentPermissions(cluster, node));
      return {
        credentials: { cluster, node, servers, jwt: user.jwt, seed: user.seed, inboxPrefix: agentInboxPrefix(cluster, node), issuedAt: new Date().toISOString() },
        userKey: user.userKey,
      };
    },
    async publishRevocations(revoked) {
      const jwt = await encodePlatformAccount(auth, revoked);
      const nc = await connect({ ...parseNatsUrl(systemUrl), name: 'palisade-gateway-system', timeout: 5_000, reconnect: false });
      try {
        await pushAccount(async (subject, data, timeoutMs) => (await nc.request(subject, data, { timeout: timeoutMs })).string(), jwt);
        options.log.info({ revoked: Object.keys(revoked).length, nats: redactUrl(options.natsUrl) }, 'pushed the agent revocation list to NATS');
      } finally {
        await nc.close().catch(() => undefined);
      }
    },
  };
}
