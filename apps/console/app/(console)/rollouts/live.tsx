'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { ErrorNote, Head } from '../ui';
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
  const live = useSubscription(
    trpc.rollouts.watch.subscriptionOptions(
      { id },
      {
        onData: (next) => {
          queryClient.setQueryData(trpc.rollouts.status.queryKey({ id }), next);
          // The list beside it shows states too: read it again rather than wait for its poll.
          void queryClient.invalidateQueries({ queryKey: trpc.rollouts.list.queryKey() });
        },
      },
    ),
  );
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
            <span className="muted">
              {' '}
              soak {w.soakTime}
              {w.requireApproval ? ' · approval required' : ''}
            </span>
            {w.approvedBy && <span className="muted"> · approved by {w.approvedBy}</span>}
            <ul>
              {w.clusters.map((c) => (
                <li key={c.name} data-cluster={c.name} data-state={c.state}>
                  {c.name}: {c.state} · {c.acked} of {c.total} agents acked
                  {c.state === 'soaking' && c.soakEndsAt && !ended && (
                    <>
                      {' '}
                      · <SoakCountdown until={c.soakEndsAt} />
                    </>
                  )}
                  {c.denyRate && w.soakTime === '0s' && <span className="muted"> · no soak: traffic was not judged</span>}
                  {c.denyRate && w.soakTime !== '0s' && (
                    <span data-testid="gate-numbers">
                      {' '}
                      · deny rate {c.denyRate.baseline}% before, {c.denyRate.soak}% during the soak ({c.denyRate.increase >= 0 ? '+' : ''}
                      {c.denyRate.increase} points)
                    </span>
                  )}
                  {c.reason ? ` · ${c.reason}` : ''}
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
      <RolloutHistory id={id} version={status.waves.map((w) => w.clusters.map((c) => c.state).join()).join('|') + status.state} />
    </section>
  );
}

/** Seconds left in a soak, ticking; the gate is judged when it reaches zero. */
function SoakCountdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.ceil((Date.parse(until) - now) / 1_000));
  return (
    <span data-testid="soak-countdown" role="timer" aria-label={`soak ends in ${left} seconds`}>
      {left > 0 ? `soaking, ${left >= 60 ? `${Math.floor(left / 60)} min ` : ''}${left % 60} s left` : 'soak over, judging traffic'}
    </span>
  );
}

/** Every recorded step of the rollout, oldest first: what happened, who did it, why, when. */
function RolloutHistory({ id, version }: { id: string; version: string }) {
  const trpc = useTRPC();
  // Read again whenever the live status moves, so the history keeps up with it.
  const history = useQuery(trpc.rollouts.history.queryOptions({ id }));
  const { refetch } = history;
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  return (
    <details>
      <summary>History ({history.data?.length ?? '…'} steps)</summary>
      <ErrorNote error={history.error} />
      <table data-testid="rollout-history">
        <Head columns={['When', 'Step', 'Wave / cluster', 'By', 'Reason']} />
        <tbody>
          {(history.data ?? []).map((e) => {
            const p = (e.payload ?? {}) as { wave?: string; cluster?: string };
            return (
              <tr key={e.position}>
                <td>{new Date(e.at).toLocaleTimeString()}</td>
                <td>{e.type.replace(/^Rollout\./, '')}</td>
                <td>{[p.wave, p.cluster].filter(Boolean).join(' / ') || '—'}</td>
                <td>{e.actor}</td>
                <td>{e.reason ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
