import type { HealthReport } from '@palisade/contracts';
import { gatewayClient, gatewayUrl } from '../gateway';

// Rendered on every request: the page shows live platform health.
export const dynamic = 'force-dynamic';

async function loadHealth(): Promise<{ report?: HealthReport; error?: string }> {
  try {
    return { report: await gatewayClient().health.check.query() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export default async function PlatformPage() {
  const { report, error } = await loadHealth();
  return (
    <main id="main">
      <h1>Platform</h1>
      {error || !report ? (
        <p className="notice" id="gateway-error">
          The gateway at {gatewayUrl()} did not answer: {error}
        </p>
      ) : (
        <>
          <p id="platform-status">
            Gateway{report.version ? ` ${report.version}` : ''}: <span className={report.status === 'ok' ? 'ok' : 'down'}>{report.status}</span>
          </p>
          <table>
            <thead>
              <tr>
                <th>Dependency</th>
                <th>State</th>
                <th>Where</th>
                <th>Detail</th>
                <th>Latency</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((check) => (
                <tr key={check.name} data-dependency={check.name}>
                  <td>{check.name}</td>
                  <td className={check.ok ? 'ok' : 'down'}>{check.ok ? 'up' : check.required ? 'down' : 'absent'}</td>
                  <td>{check.target ?? '—'}</td>
                  <td>{check.detail ?? '—'}</td>
                  <td>{check.latencyMs === undefined ? '—' : `${check.latencyMs} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.checks.every((c) => c.detail === undefined) && <p className="notice">Where each dependency runs and its version are shown to signed-in users only.</p>}
        </>
      )}
    </main>
  );
}
