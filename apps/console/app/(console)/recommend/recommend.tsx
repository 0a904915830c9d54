'use client';
import Link from 'next/link';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Resource } from '@palisade/engine';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { ErrorNote } from '../ui';
import { RecommendedPolicies } from './policies';
import { Verdicts } from './verdicts';

const WINDOWS = [
  ['15 minutes', 15],
  ['1 hour', 60],
  ['6 hours', 360],
  ['1 day', 1_440],
  ['7 days', 10_080],
] as const;

interface Ask {
  namespace: string;
  cluster?: string;
  selector?: string;
  windowMinutes: number;
  widenPorts: boolean;
  includeDenied: boolean;
}

const promotedKind = (r: Record<string, unknown>) => ({ ...r, kind: 'NetworkPolicy', spec: Object.fromEntries(Object.entries(r['spec'] as object).filter(([k]) => k !== 'stagedAction')) });

/**
 * Least-privilege policy from recorded traffic: recommend for a namespace or group, preview it
 * against the recorded flows, save it staged, watch its pending verdicts, promote it.
 */
export function Recommend() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { canWrite } = useCan();
  const [ask, setAsk] = useState<Ask | null>(null);
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState<string[] | null>(null);
  const result = useQuery({ ...trpc.recommend.generate.queryOptions(ask ?? { namespace: 'x' }), enabled: !!ask, staleTime: Infinity });
  const data = result.data;
  const resources = data?.policies.map((p) => p.resource) ?? [];
  const preview = useQuery({
    ...trpc.policy.preview.queryOptions({ resources: resources.map(promotedKind), flows: data?.probes ?? [], ...(ask?.cluster ? { cluster: ask.cluster } : {}) }),
    enabled: !!data && resources.length > 0,
  });
  const save = useMutation({
    mutationFn: () => client.resources.put.mutate({ resources, reason: reason.trim() || 'recommended from recorded flows' }),
    onSuccess: (r) => setSaved(r.changes.map((c) => c.key)),
  });
  const promote = useMutation({ mutationFn: () => client.recommend.promote.mutate({ keys: saved!, reason: reason.trim() || 'promoted recommendations' }) });
  const writable = resources.length > 0 && resources.every((r) => canWrite(r as unknown as Resource));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const selector = String(form.get('selector') ?? '').trim();
    const cluster = String(form.get('cluster') ?? '').trim();
    setSaved(null);
    save.reset();
    promote.reset();
    setAsk({
      namespace: String(form.get('namespace')).trim(),
      ...(selector ? { selector } : {}),
      ...(cluster ? { cluster } : {}),
      windowMinutes: Number(form.get('window')),
      widenPorts: form.get('widen') === 'on',
      includeDenied: form.get('denied') === 'on',
    });
  }

  return (
    <section aria-labelledby="recommend-title">
      <h1 id="recommend-title">Recommend</h1>
      <p className="muted">Policy that allows what the recorded traffic did and nothing else, as staged policies you can check before they enforce anything.</p>
      <form className="card inline-form" onSubmit={submit}>
        <label>
          Namespace
          <input name="namespace" required maxLength={63} />
        </label>
        <label>
          Cluster (its agents&apos; endpoints and flows)
          <input name="cluster" placeholder="all clusters" maxLength={63} />
        </label>
        <label>
          Only workloads matching (optional)
          <input name="selector" placeholder="app in {'api', 'db'}" spellCheck={false} />
        </label>
        <label>
          Flows of the last
          <select name="window" defaultValue={60}>
            {WINDOWS.map(([label, minutes]) => (
              <option key={minutes} value={minutes}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" name="widen" /> Any port to a peer that was seen
        </label>
        <label className="inline">
          <input type="checkbox" name="denied" /> Also allow what policy denied
        </label>
        <button type="submit">Recommend</button>
      </form>
      <ErrorNote error={result.error} />
      {result.isFetching && <p className="muted">Reading the recorded flows…</p>}
      {data && (
        <>
          <p data-testid="recommend-summary">
            {data.policies.length} staged {data.policies.length === 1 ? 'policy' : 'policies'} for {data.namespace}: <strong>{data.ruleCount} rules</strong> for {data.observedConversations} distinct
            observed conversations ({data.flowRecords} flow records, {new Date(data.window.since).toLocaleString()} to {new Date(data.window.until).toLocaleString()}).
          </p>
          {data.deniedConversations > 0 && (
            <p className="notice" data-testid="denied-left-out">
              {data.deniedConversations} conversations that policy denied in the window are not allowed by these; tick &ldquo;Also allow what policy denied&rdquo; to include them.
            </p>
          )}
          {data.skipped.length > 0 && (
            <ul className="notice">
              {data.skipped.map((s) => (
                <li key={s}>Not covered: {s}</li>
              ))}
            </ul>
          )}
          <RecommendedPolicies policies={data.policies} />
          <section aria-labelledby="preview-title" className="card">
            <h2 id="preview-title">Against the recorded traffic</h2>
            <ErrorNote error={preview.error} />
            {preview.data && (
              <p data-testid="recommend-preview">
                Enforced, these policies would deny {preview.data.flows.changed.filter((c) => !c.after.allowed).length} of the {preview.data.flows.evaluated} recorded flows
                {preview.data.flows.changed.length ? ':' : '.'}
              </p>
            )}
            <ul>
              {preview.data?.flows.changed.map((c) => (
                <li key={c.index}>
                  {c.flow.from} → {c.flow.to} {String(c.flow.protocol)}
                  {c.flow.port ? `/${c.flow.port}` : ''}: {c.after.allowed ? 'allowed' : 'denied'} ({c.after.by})
                </li>
              ))}
            </ul>
          </section>
          {writable && !saved && (
            <form
              className="save"
              onSubmit={(e) => {
                e.preventDefault();
                save.mutate();
              }}
            >
              <label>
                Reason
                <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (recorded in the audit history)" />
              </label>
              <button type="submit" disabled={save.isPending}>
                Save as staged
              </button>
            </form>
          )}
          <ErrorNote error={save.error} />
          {saved && (
            <>
              <p role="status" className="ok" data-testid="recommend-saved">
                Saved {saved.length} staged policies. They change no verdict until promoted.
              </p>
              <Verdicts probes={data.probes} cluster={ask?.cluster} />
              {!promote.data && (
                <button type="button" onClick={() => promote.mutate()} disabled={promote.isPending}>
                  Promote to enforced
                </button>
              )}
              <ErrorNote error={promote.error} />
              {promote.data && (
                <p role="status" className="ok" data-testid="recommend-promoted">
                  Promoted: {promote.data.changes.filter((c) => c.op === 'applied').length} policies now enforce. <Link href="/policies">See the board</Link>
                </p>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}
