import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';

export async function clusterRegisterCommand(remote: Remote, name: string, labels: string[], reason?: string): Promise<number> {
  const parsed: Record<string, string> = {};
  for (const l of labels) {
    const at = l.indexOf('=');
    if (at <= 0) throw new InputError(`--label ${JSON.stringify(l)} must be key=value`);
    parsed[l.slice(0, at)] = l.slice(at + 1);
  }
  const result = await call(remote, () => connect(remote).clusters.register.mutate({ name, labels: parsed, ...(reason ? { reason } : {}) }));
  info(`cluster ${name} ${result.changed ? 'registered' : 'unchanged'} (version ${result.version})`);
  return EXIT.OK;
}

export async function clusterListCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const clusters = await call(remote, () => connect(remote).clusters.list.query());
  if (output === 'json') info(JSON.stringify(clusters, null, 2));
  else
    info(
      table([
        ['NAME', 'LABELS', 'DESIRED', 'OBSERVED', 'IN SYNC', 'AGENTS'],
        ...clusters.map((c) => [
          c.name,
          Object.entries(c.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || '-',
          c.desiredRelease?.slice(0, 12) ?? '-',
          c.observedRelease?.slice(0, 12) ?? '-',
          c.inSync ? 'yes' : 'no',
          `${c.agents.alive}/${c.agents.total}`,
        ]),
      ]),
    );
  return EXIT.OK;
}

export async function clusterSetReleaseCommand(remote: Remote, name: string, release: string, opts: { reason?: string; output: 'text' | 'json' }): Promise<number> {
  const result = await call(remote, () => connect(remote).clusters.setRelease.mutate({ name, release, ...(opts.reason ? { reason: opts.reason } : {}) }));
  if (opts.output === 'json') info(JSON.stringify({ cluster: name, ...result }, null, 2));
  else if (!result.changed) info(`cluster ${name} already has release ${result.release.slice(0, 12)}: nothing changed`);
  else info(`cluster ${name}: desired release ${result.before ? `${result.before.slice(0, 12)} -> ` : ''}${result.release.slice(0, 12)} (version ${result.version}); its agents converge to it`);
  return EXIT.OK;
}

export async function clusterJoinTokenCommand(remote: Remote, name: string, opts: { expiresInHours: number; reason?: string; output: 'text' | 'json' }): Promise<number> {
  const made = await call(remote, () => connect(remote).clusters.joinToken.mutate({ name, expiresInHours: opts.expiresInHours, ...(opts.reason ? { reason: opts.reason } : {}) }));
  if (opts.output === 'json') {
    info(JSON.stringify(made, null, 2));
    return EXIT.OK;
  }
  info(`Join token ${made.id} for cluster ${name} (shown this once; agents may join with it until ${made.expiresAt}):`);
  info(`  ${made.token}`);
  info('Put it in a file only root can read on each node, then:');
  info(`  palisade agent install --gateway ${remote.url} --cluster ${name} --join-token-file /etc/palisade/join-token`);
  return EXIT.OK;
}

/** `palisade cluster get`: the cluster as `list` shows it, and each node's state. */
export async function clusterGetCommand(remote: Remote, name: string, output: 'text' | 'json'): Promise<number> {
  const cluster = await call(remote, () => connect(remote).clusters.get.query({ name }));
  if (output === 'json') {
    info(JSON.stringify(cluster, null, 2));
    return EXIT.OK;
  }
  const labels =
    Object.entries(cluster.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-';
  info(`cluster ${cluster.name} (${labels}): desired ${cluster.desiredRelease?.slice(0, 12) ?? '-'}, observed ${cluster.observedRelease?.slice(0, 12) ?? '-'}${cluster.inSync ? ', in sync' : ''}`);
  if (cluster.nodes.length === 0) info('no agent of this cluster has been heard from');
  else
    info(
      table([
        ['NODE', 'STATE', 'RELEASE', 'VERSION', 'LAST HEARD', 'LAST ERROR'],
        ...cluster.nodes.map((n) => [n.node, n.state, n.release?.slice(0, 12) ?? '-', n.version, `${n.heartbeatAgeSeconds} s ago`, n.lastError ?? '-']),
      ]),
    );
  return EXIT.OK;
}
