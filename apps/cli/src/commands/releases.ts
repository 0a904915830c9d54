import { stringify } from 'yaml';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { EXIT, info, table } from '../output.js';
import { presentable } from './get.js';

export async function releaseCreateCommand(remote: Remote, reason: string | undefined, output: 'text' | 'json'): Promise<number> {
  const release = await call(remote, () => connect(remote).releases.create.mutate(reason ? { reason } : {}));
  if (output === 'json') info(JSON.stringify(release, null, 2));
  else info(`${release.created ? 'created' : 'already exists:'} release ${release.hash} (revision ${release.revision}, ${release.resourceCount} resources)`);
  return EXIT.OK;
}

export async function releaseListCommand(remote: Remote, limit: number, output: 'text' | 'json'): Promise<number> {
  const { releases } = await call(remote, () => connect(remote).releases.list.query({ limit }));
  if (output === 'json') info(JSON.stringify(releases, null, 2));
  else info(table([['HASH', 'REVISION', 'RESOURCES', 'CREATED', 'BY', 'REASON'], ...releases.map((r) => [r.hash.slice(0, 12), String(r.revision), String(r.resourceCount), r.createdAt, r.actor, r.reason ?? ''])]));
  return EXIT.OK;
}

/** Accepts a full hash or a unique prefix of one (as git does). */
async function resolveHash(remote: Remote, prefix: string): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(prefix)) return prefix;
  const { releases } = await call(remote, () => connect(remote).releases.list.query({ limit: 500 }));
  const matches = releases.filter((r) => r.hash.startsWith(prefix.toLowerCase()));
  if (matches.length !== 1) throw Object.assign(new Error(matches.length ? `release prefix ${prefix} is ambiguous (${matches.length} releases)` : `no release ${prefix}`), { exitCode: matches.length ? 1 : 6 });
  return matches[0]!.hash;
}

export async function releaseDiffCommand(remote: Remote, from: string, to: string, output: 'text' | 'json'): Promise<number> {
  const [a, b] = [await resolveHash(remote, from), await resolveHash(remote, to)];
  const diff = await call(remote, () => connect(remote).releases.diff.query({ from: a, to: b }));
  info(output === 'json' ? JSON.stringify(diff.diff, null, 2) : diff.text);
  return EXIT.OK;
}

export async function releaseGetCommand(remote: Remote, hash: string, output: 'yaml' | 'json'): Promise<number> {
  const release = await call(remote, async () => connect(remote).releases.get.query({ hash: await resolveHash(remote, hash) }));
  info(output === 'json' ? JSON.stringify(release, null, 2) : release.resources.map((r) => stringify(presentable(r.resource)).trimEnd()).join('\n---\n'));
  return EXIT.OK;
}

export async function clusterRegisterCommand(remote: Remote, name: string, labels: string[], reason?: string): Promise<number> {
  const parsed: Record<string, string> = {};
  for (const l of labels) {
    const at = l.indexOf('=');
    if (at <= 0) throw Object.assign(new Error(`--label ${JSON.stringify(l)} must be key=value`), { exitCode: 2 });
    parsed[l.slice(0, at)] = l.slice(at + 1);
  }
  const result = await call(remote, () => connect(remote).clusters.register.mutate({ name, labels: parsed, ...(reason ? { reason } : {}) }));
  info(`cluster ${name} ${result.changed ? 'registered' : 'unchanged'} (version ${result.version})`);
  return EXIT.OK;
}

export async function clusterListCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const clusters = await call(remote, () => connect(remote).clusters.list.query());
  if (output === 'json') info(JSON.stringify(clusters, null, 2));
  else info(table([['NAME', 'LABELS', 'DESIRED', 'OBSERVED', 'IN SYNC', 'AGENTS'], ...clusters.map((c) => [c.name, Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-', c.desiredRelease?.slice(0, 12) ?? '-', c.observedRelease?.slice(0, 12) ?? '-', c.inSync ? 'yes' : 'no', `${c.agents.alive}/${c.agents.total}`])]));
  return EXIT.OK;
}
