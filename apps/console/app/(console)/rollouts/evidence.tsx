import { Head } from '../ui';

interface NewlyDenied {
  source: string;
  destination: string;
  protocol: string;
  port: number | null;
  allowedBy: string;
  deniedBy: string;
  flows: number;
}
interface ClusterEvidence {
  newlyDenied?: NewlyDenied[];
  denyRate?: { baseline: number; soak: number; increase: number };
}

const isTraffic = (v: unknown): v is ClusterEvidence => typeof v === 'object' && v !== null && ('newlyDenied' in v || 'denyRate' in v);

/** What tripped a gate: per cluster, the flows denied now that were allowed before, and the deny rate. */
export function Evidence({ evidence }: { evidence: unknown }) {
  const clusters = typeof evidence === 'object' && evidence !== null ? Object.entries(evidence as Record<string, unknown>) : [];
  if (!clusters.length || !clusters.every(([, v]) => isTraffic(v)))
    return (
      <pre className="evidence" data-testid="evidence" tabIndex={0} aria-label="Gate evidence">
        {JSON.stringify(evidence, null, 2)}
      </pre>
    );
  return (
    <div data-testid="evidence">
      {clusters.map(([cluster, v]) => {
        const e = v as ClusterEvidence;
        return (
          <section key={cluster} aria-label={`Evidence from ${cluster}`}>
            <h3>{cluster}</h3>
            {e.denyRate && (
              <p>
                Deny rate {e.denyRate.baseline}% before, {e.denyRate.soak}% during the soak ({e.denyRate.increase >= 0 ? '+' : ''}
                {e.denyRate.increase} points).
              </p>
            )}
            {e.newlyDenied && e.newlyDenied.length > 0 && (
              <div className="scroll">
                <table>
                  <caption>Flows allowed before, denied now</caption>
                  <Head columns={['Source', 'Destination', 'Port', 'Allowed by', 'Denied by', 'Records']} />
                  <tbody>
                    {e.newlyDenied.map((f, i) => (
                      <tr key={i}>
                        <td>{f.source}</td>
                        <td>{f.destination}</td>
                        <td>
                          {f.protocol}
                          {f.port !== null ? `/${f.port}` : ''}
                        </td>
                        <td>
                          <code>{f.allowedBy}</code>
                        </td>
                        <td>
                          <code>{f.deniedBy}</code>
                        </td>
                        <td>{f.flows}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
