'use client';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useDeferredValue, useEffect, useState } from 'react';
import { boardInput, KINDS, PAGE, type BoardPage, type Filter, type Kind } from './board-input';
import { useTRPC } from '../../../lib/client/trpc';
import { useCan } from '../../../lib/client/viewer';
import { BoardTable } from './board-table';
import { ErrorNote, Pager } from '../ui';

/** The policy board: tiers in order, policies in Calico's order, filtered, paged, live. */
export function Board({ initial }: { initial?: BoardPage | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const params = useSearchParams();
  const at = params.get('at') ?? undefined;
  const { can } = useCan();
  const [namespace, setNamespace] = useState('');
  const [label, setLabel] = useState('');
  const [kind, setKind] = useState<Kind | ''>('');
  const [text, setText] = useState('');
  const [offset, setOffset] = useState(0);
  const [live, setLive] = useState(0);
  // Set once the page is hydrated and answers input (tests and the benchmark wait on it).
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const filter: Filter = useDeferredValue({
    ...(namespace.trim() ? { namespace: namespace.trim() } : {}),
    ...(label.trim() ? { label: label.trim() } : {}),
    ...(kind ? { kind } : {}),
    ...(text.trim() ? { text: text.trim() } : {}),
  });
  const input = boardInput(filter, offset, at);
  // The server rendered the unfiltered first page: start from it rather than ask again.
  const first = offset === 0 && Object.keys(filter).length === 0;
  const board = useQuery({ ...trpc.board.policies.queryOptions(input), placeholderData: (previous) => previous, ...(first && initial ? { initialData: initial } : {}) });

  // Someone else's change shows up without a reload; a past board stays as it was.
  useSubscription(
    trpc.events.subscribe.subscriptionOptions(
      { streamType: 'resource' },
      {
        enabled: !at,
        onData: () => {
          setLive((n) => n + 1);
          void queryClient.invalidateQueries({ queryKey: trpc.board.policies.queryKey() });
        },
      },
    ),
  );

  const canWritePolicy = can('write:global-policy') || can('write:namespaced-policy');
  const onFilter = (set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setOffset(0);
  };
  const data = board.data;
  return (
    <section aria-labelledby="board-title" data-hydrated={hydrated ? 'true' : undefined}>
      <div className="heading">
        <h1 id="board-title">Policies</h1>
        {canWritePolicy && !at && (
          <Link className="button" href="/policies/edit">
            New policy
          </Link>
        )}
      </div>
      {at && (
        <p className="banner" role="status" data-testid="time-travel">
          The board as it was at {/^\d+$/.test(at) ? `position ${at}` : new Date(at).toLocaleString()}
          {data ? ` (log position ${data.position})` : ''}.{' '}
          <button className="link" onClick={() => router.push('/policies')}>
            Back to now
          </button>
        </p>
      )}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Namespace
          <input value={namespace} onChange={onFilter(setNamespace)} placeholder="any" />
        </label>
        <label>
          Label
          <input value={label} onChange={onFilter(setLabel)} placeholder="app=web" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={onFilter((v) => setKind(v as Kind | ''))}>
            <option value="">any</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input type="search" value={text} onChange={onFilter(setText)} placeholder="name, selector, tier" />
        </label>
      </form>
      <ErrorNote error={board.error} />
      {data && (
        <>
          <p className="muted" aria-live="polite" data-testid="board-count">
            {data.total === 0 ? 'No policy matches.' : `${offset + 1}–${Math.min(offset + PAGE, data.total)} of ${data.total} policies`}
            {live > 0 && !at ? ` · live (${live} change${live === 1 ? '' : 's'} seen)` : ''}
          </p>
          <BoardTable tiers={data.tiers} rows={data.rows} at={at} />
          <Pager offset={offset} page={PAGE} total={data.total} onOffset={setOffset} />
        </>
      )}
      {board.isPending && <p className="muted">Loading the board…</p>}
    </section>
  );
}
