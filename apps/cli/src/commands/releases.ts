import { stringify } from 'yaml';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
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
  else
    info(
      table([
        ['HASH', 'REVISION', 'RESOURCES', 'CREATED', 'BY', 'REASON'],
        ...releases.map((r) => [r.hash.slice(0, 12), String(r.revision), String(r.resourceCount), r.createdAt, r.actor, r.reason ?? '']),
      ]),
    );
  return EXIT.OK;
}

export async function releaseDiffCommand(remote: Remote, from: string, to: string, output: 'text' | 'json'): Promise<number> {
  // The gateway takes a hash or a unique prefix of one (as git does).
  const diff = await call(remote, () => connect(remote).releases.diff.query({ from, to }));
  info(output === 'json' ? JSON.stringify(diff.diff, null, 2) : diff.text);
  return EXIT.OK;
}

export async function releaseGetCommand(remote: Remote, hash: string, output: 'yaml' | 'json'): Promise<number> {
  const release = await call(remote, () => connect(remote).releases.get.query({ hash }));
  info(output === 'json' ? JSON.stringify(release, null, 2) : release.resources.map((r) => stringify(presentable(r.resource)).trimEnd()).join('\n---\n'));
  return EXIT.OK;
}
