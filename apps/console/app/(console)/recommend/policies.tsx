import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';
import { Head } from '../ui';

type Policy = inferRouterOutputs<AppRouter>['recommend']['generate']['policies'][number];
interface Entity {
  selector?: string;
  namespaceSelector?: string;
  nets?: string[];
  ports?: (number | string)[];
}
interface Rule {
  action: string;
  protocol?: string | number;
  source?: Entity;
  destination?: Entity;
}

const peer = (e: Entity | undefined) => (e ? [e.selector, e.namespaceSelector && `in ${e.namespaceSelector}`, e.nets?.join(', ')].filter(Boolean).join(' ') || 'anywhere' : 'anywhere');

/** Each recommended policy with its rules and the recorded flows each rule covers. */
export function RecommendedPolicies({ policies }: { policies: Policy[] }) {
  return (
    <div data-testid="recommended-policies">
      {policies.map((p) => {
        const spec = p.resource['spec'] as { selector: string; ingress?: Rule[]; egress?: Rule[] };
        return (
          <section key={p.resource.metadata.name} className="card" aria-label={p.resource.metadata.name} data-recommended={p.resource.metadata.name}>
            <h3>
              {p.resource.metadata.name} <code>{spec.selector}</code>
            </h3>
            {p.rules.length === 0 ? (
              <p className="muted">No recorded traffic: once enforced, this workload accepts and sends nothing.</p>
            ) : (
              <div className="scroll">
                <table>
                  <Head columns={['Direction', 'Peer', 'Protocol', 'Ports', 'Covers']} />
                  <tbody>
                    {p.rules.map((r) => {
                      const rule = (r.direction === 'ingress' ? spec.ingress : spec.egress)![r.index]!;
                      const other = r.direction === 'ingress' ? rule.source : rule.destination;
                      const ports = (r.direction === 'ingress' ? rule.destination?.ports : rule.destination?.ports) ?? [];
                      return (
                        <tr key={`${r.direction}-${r.index}`}>
                          <td>{r.direction === 'ingress' ? 'from' : 'to'}</td>
                          <td>
                            <code>{peer(other)}</code>
                          </td>
                          <td>{String(rule.protocol ?? 'any')}</td>
                          <td>{ports.length ? ports.join(', ') : 'any'}</td>
                          <td>
                            <details>
                              <summary>
                                {r.covers.length} flow{r.covers.length === 1 ? '' : 's'} ({r.records} records)
                              </summary>
                              <ul>
                                {r.covers.map((c) => (
                                  <li key={c}>{c}</li>
                                ))}
                              </ul>
                            </details>
                          </td>
                        </tr>
                      );
                    })}
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
