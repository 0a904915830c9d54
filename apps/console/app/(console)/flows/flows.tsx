'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useDeferredValue, useMemo, useState } from 'react';
import type { FlowRecord } from '@palisade/contracts';
import { useTRPC } from '../../../lib/client/trpc';
import { ErrorNote, Head } from '../ui';
import { FlowChart } from './chart';
import { whyHref } from './why';

const WINDOWS = [
  ['15 minutes', 15],
  ['1 hour', 60],
  ['6 hours', 360],
  ['1 day', 1_440],
] as const;
const SHOWN = 200;

const side = (e: FlowRecord['source']) => (e.name ? `${e.namespace ? `${e.namespace}/` : ''}${e.name}` : (e.ip ?? '?'));

/** What traffic does: allowed and denied over time, the top denied flows and deciding rules, and a live stream. */
export function Flows() {
  const trpc = useTRPC();
  const [cluster, setCluster] = useState('');
  const [namespace, setNamespace] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [action, setAction] = useState<'' | 'Allow' | 'Deny'>('');
  const [policy, setPolicy] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [live, setLive] = useState<FlowRecord[]>([]);
  const [passedOver, setPassedOver] = useState(0);
  const filter = useDeferredValue({
    ...(cluster.trim() ? { cluster: cluster.trim() } : {}),
    ...(namespace.trim() ? { namespace: namespace.trim() } : {}),
    ...(endpoint.trim() ? { endpoint: endpoint.trim() } : {}),
    ...(action ? { action } : {}),
    ...(policy.trim() ? { policy: policy.trim() } : {}),
  });
  // The window moves with the minute, so charts and tops refresh as time passes.
  const minute = Math.floor(Date.now() / 60_000);
  const since = useMemo(() => new Date((minute - minutes) * 60_000).toISOString(), [minute, minutes]);
  const interval = Math.max(10, Math.round((minutes * 60) / 60));
  const buckets = useQuery({ ...trpc.flows.aggregate.queryOptions({ ...filter, since, intervalSeconds: interval, limit: 10_000 }), refetchInterval: 10_000, placeholderData: (p) => p });
  const deniedTop = useQuery({ ...trpc.flows.top.queryOptions({ ...filter, since, by: 'denied-flows' }), refetchInterval: 10_000, placeholderData: (p) => p });
  const policyTop = useQuery({ ...trpc.flows.top.queryOptions({ ...filter, since, by: 'policies' }), refetchInterval: 10_000, placeholderData: (p) => p });
  useSubscription(
    trpc.flows.live.subscriptionOptions(
      { ...filter, limit: SHOWN },
      {
        onData: ({ data }) => {
          setLive((previous) => [...[...data.records].reverse(), ...previous].slice(0, SHOWN));
          if (data.skipped) setPassedOver((n) => n + data.skipped);
        },
      },
    ),
  );
  const text = (set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setLive([]);
    setPassedOver(0);
  };
  return (
    <section aria-labelledby="flows-title">
      <h1 id="flows-title">Flows</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Cluster
          <input value={cluster} onChange={text(setCluster)} placeholder="any" />
        </label>
        <label>
          Namespace
          <input value={namespace} onChange={text(setNamespace)} placeholder="any" />
        </label>
        <label>
          Endpoint
          <input value={endpoint} onChange={text(setEndpoint)} placeholder="pod name or IP" />
        </label>
        <label>
          Action
          <select value={action} onChange={text((v) => setAction(v as '' | 'Allow' | 'Deny'))}>
            <option value="">any</option>
            <option>Allow</option>
            <option>Deny</option>
          </select>
        </label>
        <label>
          Deciding policy
          <input value={policy} onChange={text(setPolicy)} placeholder="tier/kind/policy/rule prefix" />
        </label>
        <label>
          Window
          <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {WINDOWS.map(([label, m]) => (
              <option key={m} value={m}>
                last {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={buckets.error ?? deniedTop.error ?? policyTop.error} />
      {buckets.data && <FlowChart buckets={buckets.data} />}
      <div className="columns">
        <section aria-labelledby="top-denied-title">
          <h2 id="top-denied-title">Top denied flows</h2>
          <table data-testid="top-denied">
            <Head columns={['Flow', 'Records', '']} />
            <tbody>
              {(deniedTop.data ?? []).map((t) => (
                <tr key={t.key}>
                  <td>{t.key}</td>
                  <td>{t.records}</td>
                  <td>{t.flow && <Link href={whyHref({ ...t.flow, ...(cluster.trim() ? { cluster: cluster.trim() } : {}) })}>why?</Link>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {deniedTop.data?.length === 0 && <p className="muted">Nothing denied in the window.</p>}
        </section>
        <section aria-labelledby="top-policies-title">
          <h2 id="top-policies-title">Top deciding rules</h2>
          <table data-testid="top-policies">
            <Head columns={['Rule', 'Action', 'Records']} />
            <tbody>
              {(policyTop.data ?? []).map((t) => (
                <tr key={`${t.key}-${t.action}`}>
                  <td>
                    <code>{t.key}</code>
                  </td>
                  <td className={t.action === 'Allow' ? 'ok' : 'error'}>{t.action}</td>
                  <td>{t.records}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <h2>Live</h2>
      <p className="muted" aria-live="polite">
        {live.length ? `The newest ${live.length} records since this page opened.` : 'Waiting for records…'}
        {passedOver > 0 && ` ${passedOver.toLocaleString()} more arrived faster than a page can show and were passed over here; the chart and the tops count them.`}
      </p>
      <div className="scroll">
        <table data-testid="live-flows">
          <Head columns={['Time', 'Cluster', 'Source', 'Destination', 'Proto', 'Port', 'Action', 'Rule', '']} />
          <tbody>
            {live.map((r) => (
              <tr key={r.id} data-action={r.action} data-start={r.startTime}>
                <td>{new Date(r.startTime).toLocaleTimeString()}</td>
                <td>{r.cluster}</td>
                <td>{side(r.source)}</td>
                <td>{side(r.destination)}</td>
                <td>{r.protocol}</td>
                <td>{r.port ?? '—'}</td>
                <td className={r.action === 'Allow' ? 'ok' : 'error'}>{r.action}</td>
                <td>
                  <code>{r.policy}</code>
                </td>
                <td>
                  <Link href={whyHref({ from: side(r.source), to: side(r.destination), protocol: r.protocol, port: r.port, cluster: r.cluster })}>why?</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
