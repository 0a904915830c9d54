'use client';
import { useSearchParams } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ClusterState, keyOf, simulate, ProbeError, type ProbeResult, type Resource } from '@palisade/engine';
import { useTRPC } from '../../../lib/client/trpc';
import { validateText } from '../../../lib/client/validate';
import { takeDraft } from './draft';
import { Trace } from './trace';
import { ErrorNote } from '../ui';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP'];

/**
 * Decide a flow with the engine in the browser, on the current policy set or on it with a draft
 * laid over: "what if" costs no round trip and changes nothing.
 */
export function Simulator() {
  const trpc = useTRPC();
  const params = useSearchParams();
  // A cluster's agents report its endpoints: with one, they are laid over the policy set.
  const [cluster, setCluster] = useState(params.get('cluster') ?? '');
  const clusterName = useDeferredValue(cluster.trim());
  // With a cluster: its policies as they are now, or the release its agents enforce (what decided its recorded flows).
  const [policies, setPolicies] = useState<'head' | 'running'>(params.get('policies') === 'running' ? 'running' : 'head');
  const snapshot = useQuery({ ...trpc.board.resources.queryOptions(clusterName ? { cluster: clusterName, policies } : {}), staleTime: 30_000, retry: false });
  const [from, setFrom] = useState(params.get('from') ?? '');
  const [to, setTo] = useState(params.get('to') ?? '');
  const [protocol, setProtocol] = useState(params.get('protocol') ?? 'TCP');
  const [port, setPort] = useState(params.get('port') ?? '');
  const [draft, setDraft] = useState('');
  const [useDraft, setUseDraft] = useState(false);
  const [result, setResult] = useState<{ current: ProbeResult; draft?: ProbeResult } | { error: string } | null>(null);

  useEffect(() => {
    if (params.get('draft') !== '1') return;
    setDraft(takeDraft());
    setUseDraft(true);
  }, [params]);

  const current = useMemo(() => (snapshot.data ? ClusterState.from(snapshot.data.resources as Resource[]) : undefined), [snapshot.data]);
  const draftVerdict = useMemo(() => (useDraft && draft.trim() ? validateText(draft) : undefined), [useDraft, draft]);
  const endpoints = useMemo(() => (current ? [...current.endpoints.keys()].sort() : []), [current]);

  // "why?" from a flow arrives with the flow filled in: decide it as soon as the policy set is here.
  const auto = params.get('run') === '1';
  useEffect(() => {
    if (auto && current && !result) decide();
  }, [auto, current]);

  function run(event: FormEvent) {
    event.preventDefault();
    decide();
  }

  function decide() {
    if (!current || !snapshot.data) return;
    const probe = { from: from.trim(), to: to.trim(), protocol: /^\d+$/.test(protocol) ? Number(protocol) : protocol, ...(port ? { port: Number(port) } : {}) };
    try {
      const now = simulate(current, [probe], { explain: true })[0]!;
      if (!draftVerdict?.valid) return setResult({ current: now });
      const replaced = new Set(draftVerdict.resources.map(keyOf));
      const withDraft = ClusterState.from([...(snapshot.data.resources as Resource[]).filter((r) => !replaced.has(keyOf(r))), ...draftVerdict.resources]);
      setResult({ current: now, draft: simulate(withDraft, [probe], { explain: true })[0]! });
    } catch (error) {
      setResult({ error: error instanceof ProbeError ? error.message.replace(/^probe 0: /, '') : String(error) });
    }
  }

  return (
    <section aria-labelledby="sim-title">
      <h1 id="sim-title">Simulator</h1>
      <ErrorNote error={snapshot.error} />
      {snapshot.data?.release && (
        <p className="muted" data-testid="deciding-release">
          Deciding with release <code>{snapshot.data.release.slice(0, 12)}</code>, which {clusterName}'s agents enforce.
        </p>
      )}
      <form onSubmit={run} className="card simulate">
        <datalist id="endpoint-ids">
          {endpoints.slice(0, 2_000).map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
        <label>
          Cluster
          <input value={cluster} onChange={(e) => setCluster(e.target.value)} placeholder="the policy set's own endpoints" maxLength={63} />
        </label>
        {clusterName && (
          <label>
            Policies
            <select value={policies} onChange={(e) => setPolicies(e.target.value === 'running' ? 'running' : 'head')}>
              <option value="head">the policy set now</option>
              <option value="running">the release {clusterName} runs</option>
            </select>
          </label>
        )}
        <label>
          Source
          <input value={from} onChange={(e) => setFrom(e.target.value)} list="endpoint-ids" placeholder="namespace/pod, hep:node/name or an IP" required spellCheck={false} />
        </label>
        <label>
          Destination
          <input value={to} onChange={(e) => setTo(e.target.value)} list="endpoint-ids" placeholder="namespace/pod, hep:node/name or an IP" required spellCheck={false} />
        </label>
        <label>
          Protocol
          <select value={protocol} onChange={(e) => setProtocol(e.target.value)}>
            {PROTOCOLS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Port
          <input value={port} onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))} inputMode="numeric" placeholder={protocol === 'ICMP' ? 'none' : '443'} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={useDraft} onChange={(e) => setUseDraft(e.target.checked)} /> Also with a draft
        </label>
        {useDraft && (
          <label className="wide">
            Draft policy YAML (laid over the current set)
            <textarea rows={8} value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
          </label>
        )}
        {draftVerdict && !draftVerdict.valid && (
          <ul className="problems wide">
            {draftVerdict.problems.map((p, i) => (
              <li key={i}>
                Draft line {p.line}, column {p.column}: {p.message}
              </li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={!current}>
          Simulate
        </button>
        {snapshot.data && <span className="muted">on the policy set at log position {snapshot.data.position}</span>}
      </form>
      {result && 'error' in result && (
        <p role="alert" className="error">
          {result.error}
        </p>
      )}
      {result && 'current' in result && (
        <div className="columns">
          <Trace title="Current policy" result={result.current} />
          {result.draft && <Trace title="With the draft" result={result.draft} />}
        </div>
      )}
    </section>
  );
}
