'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTRPC } from '../../../lib/client/trpc';
import { EffectivePolicyView } from './effective';
import { ErrorNote, Pager, Head } from '../ui';

const PAGE = 100;

/** Every workload and host endpoint with its labels; one selected shows its effective policy. */
export function Endpoints() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const selected = params.get('id');
  const [text, setText] = useState('');
  const [offset, setOffset] = useState(0);
  const search = useDeferredValue(text.trim());
  const list = useQuery({ ...trpc.board.endpoints.queryOptions({ ...(search ? { text: search } : {}), offset, limit: PAGE }), placeholderData: (p) => p });
  return (
    <section aria-labelledby="endpoints-title">
      <h1 id="endpoints-title">Endpoints</h1>
      {selected && <EffectivePolicyView id={selected} />}
      <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setOffset(0);
            }}
            placeholder="name, namespace, label (app=web) or IP"
          />
        </label>
      </form>
      <ErrorNote error={list.error} />
      {list.data && (
        <>
          <p className="muted">{list.data.total === 0 ? 'No endpoint matches.' : `${offset + 1}–${Math.min(offset + PAGE, list.data.total)} of ${list.data.total} endpoints`}</p>
          <div className="scroll">
            <table>
              <Head columns={['Endpoint', 'Kind', 'Node', 'IPs', 'Labels']} />
              <tbody>
                {list.data.endpoints.map((e) => (
                  <tr key={e.id} data-endpoint={e.id} aria-current={e.id === selected ? 'true' : undefined}>
                    <td>
                      <Link href={`/endpoints?id=${encodeURIComponent(e.id)}`}>{e.id}</Link>
                    </td>
                    <td>{e.kind}</td>
                    <td>{e.node ?? '—'}</td>
                    <td>{e.ips.join(', ')}</td>
                    <td>
                      {Object.entries(e.labels)
                        .filter(([k]) => !k.startsWith('projectcalico.org/'))
                        .map(([k, v]) => (
                          <span key={k} className="tag">
                            {k}={v}
                          </span>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} page={PAGE} total={list.data.total} onOffset={setOffset} />
        </>
      )}
    </section>
  );
}
