'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { SetDiffView } from '../set-diff';
import { ErrorNote, Head } from '../ui';

/** Releases: immutable snapshots of the whole policy set. List, create with a reason, diff two. */
export function Releases() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { can } = useCan();
  // The list is read from a projection that follows the log: a release just made may take a moment
  // to appear in it, so the list is asked again until it does.
  const [awaited, setAwaited] = useState<string | null>(null);
  const list = useQuery({
    ...trpc.releases.list.queryOptions({ limit: 100 }),
    refetchInterval: (query) => (awaited && !query.state.data?.releases.some((r) => r.hash === awaited) ? 300 : false),
  });
  const [reason, setReason] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const create = useMutation({
    mutationFn: () => client.releases.create.mutate(reason.trim() ? { reason: reason.trim() } : {}),
    onSuccess: (made) => {
      setReason('');
      setAwaited(made.hash);
      void queryClient.invalidateQueries({ queryKey: trpc.releases.list.queryKey() });
    },
  });
  const diff = useQuery({ ...trpc.releases.diff.queryOptions({ from, to }), enabled: !!from && !!to && from !== to });
  const releases = list.data?.releases ?? [];
  return (
    <section aria-labelledby="releases-title">
      <h1 id="releases-title">Releases</h1>
      {can('release:create') && (
        <form
          className="card inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="what this release is for" maxLength={4096} />
          </label>
          <button type="submit" disabled={create.isPending}>
            Create release
          </button>
          {create.data && (
            <p role="status" className="ok" data-testid="release-created">
              {create.data.created ? 'Created' : 'Same content as an existing release:'} {create.data.hash.slice(0, 12)} ({create.data.resourceCount} resources)
            </p>
          )}
          <ErrorNote error={create.error} />
        </form>
      )}
      <ErrorNote error={list.error} />
      <div className="scroll">
        <table>
          <Head columns={['Release', 'Revision', 'Resources', 'By', 'When', 'Reason']} />
          <tbody>
            {releases.map((r) => (
              <tr key={r.hash} data-release={r.hash}>
                <td>
                  <code title={r.hash}>{r.hash.slice(0, 12)}</code>
                </td>
                <td>{r.revision}</td>
                <td>{r.resourceCount}</td>
                <td>{r.actor}</td>
                <td>
                  <time dateTime={r.createdAt}>{new Date(r.createdAt).toLocaleString()}</time>
                </td>
                <td>{r.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {releases.length >= 2 && (
        <section aria-labelledby="diff-title" className="card">
          <h2 id="diff-title">Compare two releases</h2>
          <div className="inline-form">
            {(
              [
                ['From', from, setFrom],
                ['To', to, setTo],
              ] as const
            ).map(([label, value, set]) => (
              <label key={label}>
                {label}
                <select value={value} onChange={(e) => set(e.target.value)}>
                  <option value="">choose…</option>
                  {releases.map((r) => (
                    <option key={r.hash} value={r.hash}>
                      {r.hash.slice(0, 12)} · revision {r.revision}
                      {r.reason ? ` · ${r.reason.slice(0, 40)}` : ''}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          <ErrorNote error={diff.error} />
          {diff.data && <SetDiffView diff={diff.data.diff} label="Release diff" />}
        </section>
      )}
    </section>
  );
}
