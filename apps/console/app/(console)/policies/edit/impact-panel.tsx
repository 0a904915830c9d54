'use client';
import { useQuery } from '@tanstack/react-query';
import { flowLinesFromRecords } from '../../../../lib/client/recorded-flows';
import { useState } from 'react';
import { describeError, useTRPC, useTRPCClient } from '../../../../lib/client/trpc';
import { parseFlowLines } from '../../../../lib/client/flow-lines';
import { ErrorNote } from '../../ui';

/** What saving would do: endpoints newly selected or unselected, and flows whose verdict changes. */
export function ImpactPanel({ text, valid }: { text: string; valid: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [flowText, setFlowText] = useState('');
  const [recorded, setRecorded] = useState<string | null>(null);
  async function loadRecorded() {
    try {
      const records = await client.flows.query.query({ since: new Date(Date.now() - 3_600_000).toISOString(), limit: 2_000 });
      const lines = flowLinesFromRecords(records).slice(0, 500);
      setFlowText((text) => [...text.split('\n').filter((l) => l.trim()), ...lines].join('\n'));
      setRecorded(`${lines.length} distinct flow${lines.length === 1 ? '' : 's'} recorded in the last hour added.`);
    } catch (error) {
      setRecorded(`Recorded flows could not be read: ${describeError(error).message}`);
    }
  }
  const [asked, setAsked] = useState<{ documents: string; flows: ReturnType<typeof parseFlowLines>['flows'] } | null>(null);
  const parsed = parseFlowLines(flowText);
  const preview = useQuery({ ...trpc.policy.preview.queryOptions(asked ?? { documents: ' ' }), enabled: !!asked });
  const stale = asked && asked.documents !== text;
  return (
    <section aria-labelledby="impact-title" className="impact">
      <h2 id="impact-title">Impact preview</h2>
      <label>
        Flows to check (one per line: from to protocol port)
        <textarea rows={4} value={flowText} onChange={(e) => setFlowText(e.target.value)} placeholder="shop/frontend shop/api TCP 8080" spellCheck={false} />
      </label>
      <button type="button" onClick={() => void loadRecorded()}>
        Add recorded flows (last hour)
      </button>
      {recorded && <p className="muted">{recorded}</p>}
      {parsed.error && <p className="error">{parsed.error}</p>}
      <button type="button" disabled={!valid || !!parsed.error} onClick={() => setAsked({ documents: text, flows: parsed.flows })}>
        Preview impact
      </button>
      {stale && <p className="muted">The text changed since this preview: preview again.</p>}
      <ErrorNote error={preview.error} />
      {preview.data && (
        <div data-testid="impact">
          {preview.data.selection.length === 0 && <p>No endpoint would be newly selected or unselected.</p>}
          {preview.data.selection.map((s) => (
            <div key={s.policy} className="selection">
              <h3>
                {s.policy} <span className="muted">({s.change})</span>
              </h3>
              {s.selectedCount > 0 && (
                <p>
                  Newly selected ({s.selectedCount}):{' '}
                  <span data-testid="newly-selected">
                    {s.selected.join(', ')}
                    {s.selectedCount > s.selected.length ? ', …' : ''}
                  </span>
                </p>
              )}
              {s.unselectedCount > 0 && (
                <p>
                  No longer selected ({s.unselectedCount}):{' '}
                  <span data-testid="unselected">
                    {s.unselected.join(', ')}
                    {s.unselectedCount > s.unselected.length ? ', …' : ''}
                  </span>
                </p>
              )}
            </div>
          ))}
          {asked && asked.flows.length > 0 && (
            <>
              <h3>Flows</h3>
              {preview.data.flows.changed.length === 0 ? (
                <p>None of the {preview.data.flows.evaluated} flows changes verdict.</p>
              ) : (
                <ul>
                  {preview.data.flows.changed.map((c) => (
                    <li key={c.index}>
                      {c.flow.from} → {c.flow.to} {c.flow.protocol}
                      {c.flow.port ? `/${c.flow.port}` : ''}: {c.before.allowed ? 'allowed' : 'denied'} ({c.before.by}) → <strong>{c.after.allowed ? 'allowed' : 'denied'}</strong> ({c.after.by})
                    </li>
                  ))}
                </ul>
              )}
              {preview.data.flows.errors.map((e) => (
                <p key={e.index} className="error">
                  Flow {e.index + 1}: {e.field}: {e.message}
                </p>
              ))}
            </>
          )}
        </div>
      )}
    </section>
  );
}
