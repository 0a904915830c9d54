import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';

/** `palisade agents`: every agent the gateway has heard from; one not heard from lately is offline, never shown as healthy. */
export async function agentsCommand(remote: Remote, opts: { cluster?: string; output: 'text' | 'json' }): Promise<number> {
  const agents = await call(remote, () => connect(remote).agents.list.query(opts.cluster ? { cluster: opts.cluster } : {}));
  if (opts.output === 'json') info(JSON.stringify(agents, null, 2));
  else if (agents.length === 0) info(opts.cluster ? `no agent of cluster ${opts.cluster} has been heard from` : 'no agent has been heard from');
  else
    info(
      table([
        ['CLUSTER', 'NODE', 'STATE', 'RELEASE', 'VERSION', 'LAST HEARD', 'UPTIME', 'LAST ERROR'],
        ...agents.map((a) => [
          a.cluster,
          a.node,
          a.state,
          a.release?.slice(0, 12) ?? '-',
          a.agentVersion,
          `${a.heartbeatAgeSeconds} s ago`,
          `${Math.round(a.uptimeSeconds)} s`,
          a.lastError ? a.lastError.slice(0, 60) : '-',
        ]),
      ]),
    );
  return EXIT.OK;
}

/** `palisade agents revoke CLUSTER NODE`. */
export async function agentsRevokeCommand(remote: Remote, cluster: string, node: string, opts: { reason?: string; output: 'text' | 'json' }): Promise<number> {
  const result = await call(remote, () => connect(remote).agents.revoke.mutate({ cluster, node, ...(opts.reason ? { reason: opts.reason } : {}) }));
  if (opts.output === 'json') info(JSON.stringify(result, null, 2));
  else if (result.pushedToNats) info(`revoked ${result.revokedKeys} credential${result.revokedKeys === 1 ? '' : 's'} of ${node} (cluster ${cluster}); NATS has cut it off`);
  else
    info(
      `revoked ${result.revokedKeys} credential${result.revokedKeys === 1 ? '' : 's'} of ${node} (cluster ${cluster}) in the store; NATS could not be told yet (${result.natsError}): the gateway keeps pushing the list until it lands`,
    );
  return EXIT.OK;
}
