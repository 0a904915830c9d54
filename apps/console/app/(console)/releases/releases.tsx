'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError, useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { SetDiffView } from '../set-diff';

/** Releases: immutable snapshots of the whole policy set. List, create with a reason, diff two. */
export function Releases() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { can } = useCan();
  const list = useQuery(trpc.releases.list.queryOptions({ limit: 100 }));
  const [reason, setReason] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const create = useMutation({
    mutationFn: () => client.releases.create.mutate(reason.trim() ? { reason: reason.trim() } : {}),
    onSuccess: () => {
      setReason('');
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
          {create.error && (
            <p role="alert" className="error">
              {describeError(create.error).message}
            </p>
          )}
        </form>
      )}
      {list.error && (
        <p role="alert" className="error">
          {describeError(list.error).message}
        </p>
      )}
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Revision</th>
              <th scope="col">Resources</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
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
          {diff.error && (
            <p role="alert" className="error">
              {describeError(diff.error).message}
            </p>
          )}
          {diff.data && <SetDiffView diff={diff.data.diff} label="Release diff" />}
        </section>
      )}
    </section>
  );
}
