'use client';
import { useRouter } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTRPC } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { AuditEntry } from './entry';
import { ChainStatus } from './chain-status';
import { ErrorNote } from '../ui';

const KINDS = ['resource', 'release', 'cluster', 'token', 'rollout', 'rollout-plan', 'cluster-rollout', 'agent', 'join-token'] as const;
type Kind = (typeof KINDS)[number];
const PAGE = 50;

/** Local "YYYY-MM-DDTHH:mm" (a datetime-local field) as an ISO instant. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The history: every event newest first, filtered; each with its diff; and the board at any moment. */
export function Audit() {
  const trpc = useTRPC();
  const router = useRouter();
  const { can } = useCan();
  const [resource, setResource] = useState('');
  const [actor, setActor] = useState('');
  const [kind, setKind] = useState<Kind | ''>('');
  const [type, setType] = useState('');
  const [correlation, setCorrelation] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [pages, setPages] = useState<number[]>([]);
  const [travel, setTravel] = useState<number | null>(null);
  const [travelTime, setTravelTime] = useState('');
  const filter = useDeferredValue({
    ...(resource.trim() ? { resource: resource.trim() } : {}),
    ...(actor.trim() ? { actor: actor.trim() } : {}),
    ...(kind ? { streamType: kind } : {}),
    ...(type.trim() ? { type: type.trim() } : {}),
    ...(/^[0-9a-f-]{36}$/i.test(correlation.trim()) ? { correlationId: correlation.trim() } : {}),
    ...(iso(from) ? { from: iso(from)! } : {}),
    ...(iso(to) ? { to: iso(to)! } : {}),
  });
  const before = pages.at(-1) ?? Number.MAX_SAFE_INTEGER;
  const log = useQuery({ ...trpc.audit.log.queryOptions({ ...filter, before, limit: PAGE }), placeholderData: (p) => p });
  const head = useQuery(trpc.audit.log.queryOptions({ before: Number.MAX_SAFE_INTEGER, limit: 1 }));
  const headPosition = head.data?.events[0]?.position ?? 0;
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPages([]);
    };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      {can('audit:verify') && <ChainStatus />}
      <section className="card" aria-labelledby="travel-title">
        <h2 id="travel-title">Time travel</h2>
        <div className="inline-form">
          <label className="wide">
            Log position {travel ?? headPosition}
            <input type="range" min={0} max={headPosition} value={travel ?? headPosition} onChange={(e) => setTravel(Number(e.target.value))} aria-valuetext={`position ${travel ?? headPosition}`} />
          </label>
          <button type="button" onClick={() => router.push(`/policies?at=${travel ?? headPosition}`)}>
            Show the board at this position
          </button>
          <label>
            Or a moment
            <input type="datetime-local" value={travelTime} onChange={(e) => setTravelTime(e.target.value)} step={1} />
          </label>
          <button type="button" disabled={!travelTime} onClick={() => router.push(`/policies?at=${encodeURIComponent(iso(travelTime)!)}`)}>
            Show the board at this moment
          </button>
        </div>
      </section>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Resource
          <input value={resource} onChange={(e) => reset(setResource)(e.target.value)} placeholder="GlobalNetworkPolicy/allow-dns" spellCheck={false} />
        </label>
        <label>
          Actor
          <input value={actor} onChange={(e) => reset(setActor)(e.target.value)} placeholder="token name, id or actor" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => reset(setKind)(e.target.value as Kind | '')}>
            <option value="">any</option>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Event type
          <input value={type} onChange={(e) => reset(setType)(e.target.value)} placeholder="Resource.Applied" />
        </label>
        <label>
          Correlation
          <input value={correlation} onChange={(e) => reset(setCorrelation)(e.target.value)} placeholder="uuid" spellCheck={false} />
        </label>
        <label>
          From
          <input type="datetime-local" value={from} onChange={(e) => reset(setFrom)(e.target.value)} step={1} />
        </label>
        <label>
          To
          <input type="datetime-local" value={to} onChange={(e) => reset(setTo)(e.target.value)} step={1} />
        </label>
      </form>
      <ErrorNote error={log.error} />
      {log.data && (
        <>
          {log.data.events.length === 0 && <p>No event matches.</p>}
          <ol className="timeline" aria-label="Events, newest first">
            {log.data.events.map((e) => (
              <AuditEntry key={e.position} event={e} onCorrelation={reset(setCorrelation)} />
            ))}
          </ol>
          <nav className="pager" aria-label="Pages">
            <button disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
              Newer
            </button>
            <button disabled={log.data.next === undefined} onClick={() => setPages([...pages, log.data!.next!])}>
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
