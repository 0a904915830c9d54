'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../lib/client/trpc';
import { ErrorNote, Head } from '../ui';

/** The recorded flows decided now and as if the staged policies were in force, refreshed every few seconds. */
export function Verdicts({ probes, cluster }: { probes: { from: string; to: string; protocol: string; port?: number }[]; cluster?: string | undefined }) {
  const trpc = useTRPC();
  const shown = probes.slice(0, 100);
  const sim = useQuery({ ...trpc.policy.simulate.queryOptions({ probes: shown, ...(cluster ? { cluster } : {}) }), enabled: shown.length > 0, refetchInterval: 5_000 });
  // Allowed now, denied once the staged policies enforce: what promoting them would break.
  const broken = sim.data?.results.filter((r) => r.allowed && r.pending?.allowed === false).length ?? 0;
  return (
    <section aria-labelledby="pending-title" className="card">
      <h2 id="pending-title">Pending verdicts</h2>
      <ErrorNote error={sim.error} />
      {sim.data && (
        <>
          <p data-testid="pending-summary">
            {shown.length} recorded flows: {broken} allowed now would be denied once the staged policies enforce.
          </p>
          <div className="scroll">
            <table>
              <Head columns={['Flow', 'Now', 'Staged in force']} />
              <tbody>
                {sim.data.results.map((r, i) => (
                  <tr key={i}>
                    <td>
                      {r.from} → {r.to} {String(r.protocol)}
                      {r.port ? `/${r.port}` : ''}
                    </td>
                    <td className={r.allowed ? 'ok' : 'error'}>{r.allowed ? 'allowed' : 'denied'}</td>
                    <td className={r.pending?.allowed === false ? 'error' : 'ok'}>
                      {r.pending ? `${r.pending.allowed ? 'allowed' : 'denied'}${r.pending.deniedAt ? ` by ${r.pending.deniedAt.by}` : ''}` : 'no staged policy applies'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
