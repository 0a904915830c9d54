'use client';
import Link from 'next/link';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';
import { Head } from '../ui';

type BoardOutput = inferRouterOutputs<AppRouter>['board']['policies'];

const editorHref = (key: string) => `/policies/edit?key=${encodeURIComponent(key)}`;

/** One table per tier that has policies on this page, in evaluation order. */
export function BoardTable({ tiers, rows, at }: { tiers: BoardOutput['tiers']; rows: BoardOutput['rows']; at?: string | undefined }) {
  const byTier = new Map<string, BoardOutput['rows']>();
  for (const row of rows) byTier.set(row.tier, [...(byTier.get(row.tier) ?? []), row]);
  return (
    <div className="board">
      {tiers
        .filter((t) => byTier.has(t.name))
        .map((tier) => (
          <section key={tier.name} className="tier" aria-label={`Tier ${tier.name}`} data-tier={tier.name}>
            <h2>
              Tier {tier.name}{' '}
              <span className="muted">
                order {tier.order ?? 'unset'} · {tier.policies} polic{tier.policies === 1 ? 'y' : 'ies'} · end of tier: {tier.defaultAction}
              </span>
            </h2>
            <div className="scroll">
              <table>
                <Head columns={['Order', 'Policy', 'Kind', 'Selector', 'Types', 'Rules in/out', 'Last change']} />
                <tbody>
                  {byTier.get(tier.name)!.map((row) => (
                    <tr key={row.key} data-policy={row.key}>
                      <td>{row.order ?? <span className="muted">unset</span>}</td>
                      <td>
                        {row.editable && !at ? <Link href={editorHref(row.key)}>{row.name}</Link> : row.name}
                        {row.namespace && <div className="muted">{row.namespace}</div>}
                      </td>
                      <td>
                        <span className={`tag ${row.kind}`}>{row.kind}</span>
                        {row.staged && (
                          <div className="muted">
                            {row.staged.action === 'Delete' ? 'would delete' : 'would set'} {row.staged.replaces}
                          </div>
                        )}
                      </td>
                      <td>
                        <code>{row.selector}</code>
                      </td>
                      <td>{row.types.join(', ')}</td>
                      <td>
                        {row.ingressRules} / {row.egressRules}
                      </td>
                      <td>
                        {row.lastChange ? (
                          <>
                            <div>{row.lastChange.actor}</div>
                            <div className="muted">
                              <time dateTime={row.lastChange.at}>{new Date(row.lastChange.at).toLocaleString()}</time> · v{row.lastChange.version}
                            </div>
                            {row.lastChange.reason && <div className="reason">“{row.lastChange.reason}”</div>}
                          </>
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
        ))}
    </div>
  );
}
