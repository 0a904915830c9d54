'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';
import { describeError, useTRPC } from '../../../lib/client/trpc';

type Effective = inferRouterOutputs<AppRouter>['board']['effective'];
type Tier = Effective['ingress'][number];

export const editorLink = (policy: string) => `/policies/edit?key=${encodeURIComponent(policy)}`;

function Direction({ title, tiers, direction }: { title: string; tiers: Tier[]; direction: 'ingress' | 'egress' }) {
  return (
    <div className="direction" data-direction={direction}>
      <h3>{title}</h3>
      {tiers.length === 0 ? (
        <p className="muted">No policy applies: profiles decide (Kubernetes allows by default).</p>
      ) : (
        <ol className="chain">
          {tiers.map((tier) => (
            <li key={tier.tier}>
              <strong>Tier {tier.tier}</strong> <span className="muted">order {tier.order ?? 'unset'}</span>
              <ol>
                {tier.policies.map((p) => (
                  <li key={p.id} data-policy={p.id}>
                    <Link href={editorLink(p.id)}>{p.id}</Link> <span className="muted">order {p.order ?? 'unset'}</span>
                    {p.staged && <span className="tag staged">staged</span>}
                    <ol className="rules" start={0}>
                      {p.rules.map((r) => (
                        <li key={r.index}>
                          <span className={`action ${r.action.toLowerCase()}`}>{r.action}</span> {r.matches}
                        </li>
                      ))}
                      {p.rules.length === 0 && <li className="muted">no {direction} rules: matches nothing, the tier goes on</li>}
                    </ol>
                  </li>
                ))}
              </ol>
              <p className="muted">
                End of tier {tier.tier}: {tier.endOfTier === 'Deny' ? 'deny what no rule decided' : 'pass to the next tier'}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The tiers, policies and rules that apply to one endpoint, ingress and egress, in evaluation order. */
export function EffectivePolicyView({ id }: { id: string }) {
  const trpc = useTRPC();
  const effective = useQuery(trpc.board.effective.queryOptions({ endpoint: id }));
  if (effective.error)
    return (
      <p role="alert" className="error">
        {describeError(effective.error).message}
      </p>
    );
  if (!effective.data) return <p className="muted">Loading {id}…</p>;
  const e = effective.data;
  return (
    <section className="card" aria-labelledby="effective-title" data-testid="effective-policy">
      <h2 id="effective-title">Effective policy of {e.endpoint.id}</h2>
      <p className="muted">
        {e.endpoint.kind} on {e.endpoint.node ?? 'no node'} · {e.endpoint.ips.join(', ') || 'no IP'} · profiles: {e.profiles.join(', ') || 'none'}
      </p>
      <div className="columns">
        <Direction title="Ingress" tiers={e.ingress} direction="ingress" />
        <Direction title="Egress" tiers={e.egress} direction="egress" />
      </div>
      {e.pending && (
        <details>
          <summary>With staged policies in force</summary>
          <div className="columns">
            <Direction title="Ingress (pending)" tiers={e.pending.ingress} direction="ingress" />
            <Direction title="Egress (pending)" tiers={e.pending.egress} direction="egress" />
          </div>
        </details>
      )}
    </section>
  );
}
