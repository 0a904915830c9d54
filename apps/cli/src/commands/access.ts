import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseTokenActor, Role } from '@palisade/contracts';
import { call, connect } from '../remote/client.js';
import { resolveServer, writeConfig, type Remote } from '../remote/config.js';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';

/** A token from standard input: piped, or typed at a prompt that does not echo it. */
async function readToken(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  process.stderr.write('API token: ');
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const token = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return token.trim();
}

/** "token:dana#a1b2c3d4e5f6(developer)" as it is (it names the role), any other actor with its role. */
const whoIs = (me: { actor: string; role: Role }) => (parseTokenActor(me.actor)?.role === me.role ? me.actor : `${me.actor} (${me.role})`);

/**
 * Checks a token against the gateway and saves both (owner-only file) for later commands. The
 * token comes from PALISADE_TOKEN or standard input, never from the command line (where other
 * users could read it in the process list).
 */
export async function loginCommand(options: { server?: string; home?: string }): Promise<number> {
  const url = (options.server ?? resolveServer(options.home)).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new InputError(`--server ${JSON.stringify(url)} is not an http(s) URL`);
  const token = process.env['PALISADE_TOKEN'] || (await readToken());
  if (!token) throw new InputError('no token given: pipe it in, type it at the prompt, or set PALISADE_TOKEN');
  const remote = { url, token };
  const me = await call(remote, () => connect(remote).tokens.whoami.query());
  const path = writeConfig({ server: url, token });
  info(`logged in to ${url} as ${whoIs(me)}${me.namespaces?.length ? ` (namespaces ${me.namespaces.join(', ')})` : ''}; saved in ${path}`);
  return EXIT.OK;
}

export async function whoamiCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const me = await call(remote, () => connect(remote).tokens.whoami.query());
  if (output === 'json') info(JSON.stringify({ server: remote.url, ...me }, null, 2));
  else info(`${whoIs(me)}${me.namespaces?.length ? ` namespaces: ${me.namespaces.join(', ')}; tiers: ${(me.tiers ?? ['default']).join(', ')}` : ''} at ${remote.url}`);
  return EXIT.OK;
}

export interface TokenCreateOptions {
  name: string;
  role: string;
  namespaces: string[];
  tiers: string[];
  expiresInDays?: number;
  reason?: string;
  output: 'text' | 'json';
}

export async function tokenCreateCommand(remote: Remote, options: TokenCreateOptions): Promise<number> {
  const role = Role.safeParse(options.role);
  if (!role.success) throw new InputError(`--role must be one of ${Role.options.join(', ')}, not ${JSON.stringify(options.role)}`);
  const created = await call(remote, () =>
    connect(remote).tokens.create.mutate({
      token: {
        name: options.name,
        role: role.data,
        namespaces: options.namespaces,
        ...(options.tiers.length ? { tiers: options.tiers } : {}),
        ...(options.expiresInDays !== undefined ? { expiresInDays: options.expiresInDays } : {}),
      },
      ...(options.reason ? { reason: options.reason } : {}),
    }),
  );
  if (options.output === 'json') info(JSON.stringify(created, null, 2));
  else {
    process.stderr.write(
      `created token ${created.info.id} (${created.info.name}, ${created.info.role}), expires ${created.info.expiresAt ?? 'never'}.\nIt is shown this once; only its hash is kept:\n`,
    );
    info(created.token);
  }
  return EXIT.OK;
}

export async function tokenListCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const tokens = await call(remote, () => connect(remote).tokens.list.query());
  if (output === 'json') info(JSON.stringify(tokens, null, 2));
  else
    info(
      table([
        ['ID', 'NAME', 'ROLE', 'NAMESPACES', 'EXPIRES', 'LAST USED', 'STATE'],
        ...tokens.map((t) => [
          t.id,
          t.name,
          t.role,
          t.namespaces.join(',') || '-',
          t.expiresAt ?? 'never',
          t.lastUsedAt ?? '-',
          t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt < new Date().toISOString() ? 'expired' : 'active',
        ]),
      ]),
    );
  return EXIT.OK;
}

export async function tokenRevokeCommand(remote: Remote, id: string, reason?: string): Promise<number> {
  await call(remote, () => connect(remote).tokens.revoke.mutate({ id, ...(reason ? { reason } : {}) }));
  info(`token ${id} revoked`);
  return EXIT.OK;
}
