'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { ErrorNote } from '../ui';
import { Evidence } from './evidence';

/** One rollout as it moves: waves, clusters with their acks, gates' evidence, and the controls the role allows. */
export function LiveRollout({ id }: { id: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { can } = useCan();
  const [reason, setReason] = useState('');
  const queryClient = useQueryClient();
  // The status as last read, kept by the query: the live stream writes each new status into it, and
  // ends when the rollout does (a slow poll covers a stream that dropped).
  const current = useQuery({ ...trpc.rollouts.status.queryOptions({ id }), refetchInterval: (q) => (q.state.data?.endedAt ? false : 10_000) });
  const live = useSubscription(trpc.rollouts.watch.subscriptionOptions({ id }, { onData: (next) => queryClient.setQueryData(trpc.rollouts.status.queryKey({ id }), next) }));
  const status = current.data;
  const act = useMutation({
    mutationFn: (kind: 'approve' | 'pause' | 'resume' | 'abort') => {
      const input = { id, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      return kind === 'approve' ? client.rollouts.approve.mutate(input) : client.rollouts[kind].mutate(input);
    },
  });
  if (!status) return <p className="muted">{(current.error ?? live.error) ? `The rollout could not be read: ${(current.error ?? live.error)!.message}` : `Following rollout ${id}…`}</p>;
  const ended = status.endedAt !== null;
  const waiting = status.waves.some((w) => w.state === 'waiting-approval');
  return (
    <section className="card" aria-labelledby="live-title" data-testid="live-rollout" data-state={status.state}>
      <h2 id="live-title">
        Rollout {id.slice(0, 8)}: <span data-testid="rollout-state">{status.state}</span>
      </h2>
      <p className="muted">
        release <code>{status.release.slice(0, 12)}</code> · plan {status.plan} · started by {status.startedBy} {new Date(status.startedAt).toLocaleString()}
        {status.endedAt ? ` · ended ${new Date(status.endedAt).toLocaleString()}` : ''}
      </p>
      {status.reason && <p className={status.state === 'completed' ? '' : 'banner error'}>{status.reason}</p>}
      <ol className="waves">
        {status.waves.map((w) => (
          <li key={w.name} data-wave={w.name} data-state={w.state}>
            <strong>{w.name}</strong> <span className="tag">{w.state}</span>
            {w.approvedBy && <span className="muted"> approved by {w.approvedBy}</span>}
            <ul>
              {w.clusters.map((c) => (
                <li key={c.name} data-cluster={c.name} data-state={c.state}>
                  {c.name}: {c.state} · {c.acked} of {c.total} agents acked{c.reason ? ` · ${c.reason}` : ''}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {status.evidence !== null && status.evidence !== undefined && (
        <details open>
          <summary>What tripped the gate</summary>
          <Evidence evidence={status.evidence} />
        </details>
      )}
      {!ended && (can('rollout:approve') || can('rollout:manage')) && (
        <div className="actions">
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (recorded)" />
          </label>
          {can('rollout:approve') && waiting && (
            <button type="button" onClick={() => act.mutate('approve')} disabled={act.isPending}>
              Approve
            </button>
          )}
          {can('rollout:manage') && (
            <>
              <button type="button" onClick={() => act.mutate(status.state === 'paused' ? 'resume' : 'pause')} disabled={act.isPending}>
                {status.state === 'paused' ? 'Resume' : 'Pause'}
              </button>
              <button type="button" onClick={() => act.mutate('abort')} disabled={act.isPending}>
                Abort and roll back
              </button>
            </>
          )}
        </div>
      )}
      <ErrorNote error={act.error} />
    </section>
  );
}
