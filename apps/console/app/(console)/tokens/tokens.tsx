'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ROLES } from '@palisade/api/authz';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { ErrorNote, Head } from '../ui';

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** API tokens (admins): create with a role and scope (the secret is shown once), list, revoke. */
export function Tokens() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { can } = useCan();
  const tokens = useQuery({ ...trpc.tokens.list.queryOptions(), enabled: can('token:manage') });
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation({
    mutationFn: (input: Parameters<typeof client.tokens.create.mutate>[0]) => client.tokens.create.mutate(input),
    onSuccess: (made) => {
      setSecret(made.token);
      void refresh();
    },
  });
  const revoke = useMutation({ mutationFn: (id: string) => client.tokens.revoke.mutate({ id, reason: 'revoked in the console' }), onSuccess: () => void refresh() });
  if (!can('token:manage')) return <p className="notice">Only admins manage tokens.</p>;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const namespaces = list(String(form.get('namespaces') ?? ''));
    const tiers = list(String(form.get('tiers') ?? ''));
    create.mutate({
      token: {
        name: String(form.get('name') ?? ''),
        role: String(form.get('role')) as (typeof ROLES)[number],
        namespaces,
        ...(tiers.length ? { tiers } : {}),
        expiresInDays: Number(form.get('days') ?? 90),
      },
    });
  }
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Tokens</h1>
      <form className="card inline-form" onSubmit={submit}>
        <label>
          Name
          <input name="name" required maxLength={128} />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Namespaces (developers)
          <input name="namespaces" placeholder="shop, payments" />
        </label>
        <label>
          Tiers (developers)
          <input name="tiers" placeholder="default" />
        </label>
        <label>
          Expires in days
          <input name="days" type="number" min={1} max={1096} defaultValue={90} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorNote error={create.error} />
      {secret && (
        <div className="card secret" role="status">
          <p>The new token, shown this once: copy it now.</p>
          <code data-testid="new-token">{secret}</code>
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      <div className="scroll">
        <table>
          <Head columns={['Name', 'Id', 'Role', 'Scope', 'Created', 'Expires', 'Last used', 'State']} />
          <tbody>
            {(tokens.data ?? []).map((t) => (
              <tr key={t.id} data-token={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{t.role}</td>
                <td>{t.role === 'developer' ? `namespaces ${t.namespaces.join(', ')}; tiers ${t.tiers.join(', ')}` : 'everywhere'}</td>
                <td>
                  {new Date(t.createdAt).toLocaleDateString()} by {t.createdBy}
                </td>
                <td>{t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${new Date(t.revokedAt).toLocaleDateString()}`
                  ) : (
                    <button type="button" onClick={() => revoke.mutate(t.id)} aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
