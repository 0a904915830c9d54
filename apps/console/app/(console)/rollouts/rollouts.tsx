'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { ErrorNote, Head } from '../ui';
import { LiveRollout } from './live';
import { StartRollout } from './start';

/** Rollouts: start one, follow one live, and the list of them all. */
export function Rollouts() {
  const trpc = useTRPC();
  const selected = useSearchParams().get('id');
  const { can } = useCan();
  const list = useQuery({ ...trpc.rollouts.list.queryOptions({}), refetchInterval: 5_000 });
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      {selected && <LiveRollout id={selected} />}
      {can('rollout:manage') && !selected && <StartRollout />}
      <h2>All rollouts</h2>
      <ErrorNote error={list.error} />
      <div className="scroll">
        <table>
          <Head columns={['Rollout', 'State', 'Release', 'Plan', 'Started', 'By', 'Reason']} />
          <tbody>
            {(list.data ?? []).map((r) => (
              <tr key={r.id} data-rollout={r.id} aria-current={r.id === selected ? 'true' : undefined}>
                <td>
                  <Link href={`/rollouts?id=${r.id}`}>{r.id.slice(0, 8)}</Link>
                </td>
                <td className={r.state === 'completed' ? 'ok' : r.state === 'failed' || r.state === 'aborted' ? 'error' : ''}>{r.state}</td>
                <td>
                  <code>{r.release.slice(0, 12)}</code>
                </td>
                <td>{r.plan}</td>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{r.startedBy}</td>
                <td>{r.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.length === 0 && <p>No rollout yet.</p>}
    </section>
  );
}
