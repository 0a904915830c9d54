import { connect, jwtAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { parseNatsUrl } from '@palisade/contracts';

export interface BusConnectOptions {
  /** One URL or a comma-separated list (a cluster), with credentials as user:password@ or token@. */
  url: string;
  /** Shows up in the server's connection list: which process this is. */
  name: string;
  /** How long the first connection may take. */
  timeoutMs?: number;
  /** A user JWT and its nkey seed (decentralized auth), as an agent's join returned them. */
  credentials?: { jwt: string; seed: string };
  /** The prefix of reply subjects: an agent may subscribe only under its own. */
  inboxPrefix?: string;
}

/**
 * A connection that keeps reconnecting forever once established: a NATS restart delays
 * messages but never kills the process that owns the connection.
 */
export function connectBus(options: BusConnectOptions): Promise<NatsConnection> {
  return connect({
    ...parseNatsUrl(options.url),
    name: options.name,
    timeout: options.timeoutMs ?? 5_000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: false,
    ...(options.credentials ? { authenticator: jwtAuthenticator(options.credentials.jwt, new TextEncoder().encode(options.credentials.seed)) } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
  });
}
