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
        ['CLUSTER', 'NODE', 'STATE', 'VERSION', 'LAST HEARD', 'UPTIME'],
        ...agents.map((a) => [a.cluster, a.node, a.alive ? 'alive' : 'offline', a.agentVersion, `${a.heartbeatAgeSeconds} s ago`, `${Math.round(a.uptimeSeconds)} s`]),
      ]),
    );
  return EXIT.OK;
}
