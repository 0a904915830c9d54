'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../lib/client/trpc';
import { ErrorNote, Head } from '../ui';

const STATES = ['applied', 'drifted', 'failed', 'offline'] as const;
const short = (hash: string | null) => (hash ? hash.slice(0, 12) : '—');

/** Every cluster with its releases, rollout in progress and agents by state; one selected shows its nodes. */
export function Clusters() {
  const trpc = useTRPC();
  const selected = useSearchParams().get('name');
  const clusters = useQuery({ ...trpc.clusters.list.queryOptions(), refetchInterval: 5_000 });
  const agents = useQuery({ ...trpc.agents.list.queryOptions({}), refetchInterval: 5_000 });
  const rollouts = useQuery({ ...trpc.rollouts.list.queryOptions({}), refetchInterval: 10_000 });
  const running = (rollouts.data ?? []).filter((r) => r.state === 'running' || r.state === 'paused');
  const rolloutOf = (cluster: string) => running.find((r) => r.waves.some((w) => w.clusters.some((c) => c.name === cluster)));
  const byState = (cluster: string) => {
    const mine = (agents.data ?? []).filter((a) => a.cluster === cluster);
    return STATES.map((s) => [s, mine.filter((a) => a.state === s).length] as const);
  };
  return (
    <section aria-labelledby="clusters-title">
      <h1 id="clusters-title">Clusters and agents</h1>
      <ErrorNote error={clusters.error ?? agents.error} />
      <div className="scroll">
        <table>
          <Head columns={['Cluster', 'Labels', 'Desired release', 'Observed release', 'Rollout', ...STATES.map((s) => `Agents ${s}`)]} />
          <tbody>
            {(clusters.data ?? []).map((c) => {
              const rollout = rolloutOf(c.name);
              return (
                <tr key={c.name} data-cluster={c.name} aria-current={c.name === selected ? 'true' : undefined}>
                  <td>
                    <Link href={`/clusters?name=${encodeURIComponent(c.name)}`}>{c.name}</Link>
                  </td>
                  <td>
                    {Object.entries(c.labels).map(([k, v]) => (
                      <span key={k} className="tag">
                        {k}={v}
                      </span>
                    ))}
                  </td>
                  <td>
                    <code>{short(c.desiredRelease)}</code>
                  </td>
                  <td>
                    <code>{short(c.observedRelease)}</code> {c.desiredRelease && <span className={c.inSync ? 'ok' : 'error'}>{c.inSync ? 'in sync' : 'behind'}</span>}
                  </td>
                  <td>{rollout ? <Link href={`/rollouts?id=${rollout.id}`}>{rollout.state}</Link> : <span className="muted">—</span>}</td>
                  {byState(c.name).map(([state, n]) => (
                    <td key={state} data-state={state} className={n > 0 && state !== 'applied' ? 'error' : ''}>
                      {n}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {clusters.data?.length === 0 && <p>No cluster is registered yet: `palisade cluster register &lt;name&gt;`.</p>}
      {selected && (
        <section className="card" aria-labelledby="nodes-title">
          <h2 id="nodes-title">Nodes of {selected}</h2>
          <div className="scroll">
            <table>
              <Head columns={['Node', 'State', 'Release', 'Agent version', 'Heartbeat', 'Last error', 'Last drift (undone)']} />
              <tbody>
                {(agents.data ?? [])
                  .filter((a) => a.cluster === selected)
                  .map((a) => (
                    <tr key={a.node} data-node={a.node} data-state={a.state}>
                      <td>{a.node}</td>
                      <td className={a.state === 'applied' ? 'ok' : 'error'}>{a.state}</td>
                      <td>
                        <code>{short(a.release)}</code>
                      </td>
                      <td>{a.agentVersion}</td>
                      <td>{Math.round(a.heartbeatAgeSeconds)} s ago</td>
                      <td>{a.lastError ?? <span className="muted">—</span>}</td>
                      <td data-testid="drift">
                        {a.lastDrift ? (
                          <details>
                            <summary>{new Date(a.lastDrift.at).toLocaleString()}</summary>
                            <pre>{a.lastDrift.change}</pre>
                          </details>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </section>
  );
}
