'use client';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTRPC, useTRPCClient } from '../../../lib/client/trpc';
import { ErrorNote } from '../ui';

const EXAMPLE = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: staged}
spec:
  waves:
    - {name: canary, clusters: [staging], soakTime: 1m}
    - {name: prod, selector: env == 'prod', requireApproval: true}
`;

/**
 * Start a rollout: a release, and a stored plan or one written here (checked, with a dry run of
 * its waves). A written plan can be saved under its name for the next rollout; a stored one can be
 * copied into the editor and changed.
 */
export function StartRollout() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const releases = useQuery(trpc.releases.list.queryOptions({ limit: 50 }));
  const plans = useQuery(trpc.rollouts.plans.list.queryOptions());
  const [release, setRelease] = useState('');
  const [planName, setPlanName] = useState('');
  const [text, setText] = useState(EXAMPLE);
  const [reason, setReason] = useState('');
  const planText = useDeferredValue(text);
  const plan = planName ? { name: planName } : { text: planText };
  const dryRun = useQuery({ ...trpc.rollouts.plans.dryRun.queryOptions(plan), retry: false });
  const queryClient = useQueryClient();
  const stored = plans.data?.find((p) => p.name === planName);
  const save = useMutation({
    mutationFn: () => client.rollouts.plans.save.mutate({ text, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: trpc.rollouts.plans.list.queryKey() });
      setPlanName(saved.name);
    },
  });
  const start = useMutation({
    mutationFn: () => client.rollouts.start.mutate({ release, plan: planName ? { name: planName } : { text }, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    onSuccess: (r) => router.push(`/rollouts?id=${r.id}`),
  });
  return (
    <section className="card" aria-labelledby="start-title">
      <h2 id="start-title">Start a rollout</h2>
      <div className="inline-form">
        <label>
          Release
          <select value={release} onChange={(e) => setRelease(e.target.value)}>
            <option value="">choose…</option>
            {(releases.data?.releases ?? []).map((r) => (
              <option key={r.hash} value={r.hash}>
                {r.hash.slice(0, 12)} · revision {r.revision}
                {r.reason ? ` · ${r.reason.slice(0, 40)}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Plan
          <select value={planName} onChange={(e) => setPlanName(e.target.value)} data-testid="plan-choice">
            <option value="">written below</option>
            {(plans.data ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (recorded)" />
        </label>
      </div>
      {!planName && (
        <>
          <label>
            Plan (YAML)
            <textarea rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="plan-text" />
          </label>
          <button type="button" disabled={!dryRun.data || save.isPending} onClick={() => save.mutate()}>
            Save plan{dryRun.data ? ` as ${dryRun.data.plan}` : ''}
          </button>
          <ErrorNote error={save.error} />
        </>
      )}
      {stored && (
        <details>
          <summary>
            Plan {stored.name}, version {stored.version}, saved by {stored.savedBy} {new Date(stored.savedAt).toLocaleString()}
            {save.data?.name === stored.name && (save.data.changed ? ' (just saved)' : ' (unchanged: the same plan was already saved)')}
          </summary>
          <pre data-testid="stored-plan">{stored.source}</pre>
          <button
            type="button"
            onClick={() => {
              setText(stored.source);
              setPlanName('');
            }}
          >
            Edit a copy
          </button>
        </details>
      )}
      <h3>Dry run</h3>
      <ErrorNote error={dryRun.error} />
      {dryRun.data && (
        <ol data-testid="dry-run">
          {dryRun.data.waves.map((w) => (
            <li key={w.name}>
              <strong>{w.name}</strong>: {w.clusters.join(', ') || 'no cluster'}
              {w.requireApproval ? ' · needs approval' : ''} · soak {w.soakTime}
            </li>
          ))}
          {dryRun.data.left.length > 0 && <li className="error">In no wave: {dryRun.data.left.join(', ')}</li>}
        </ol>
      )}
      <button type="button" disabled={!release || !dryRun.data || start.isPending} onClick={() => start.mutate()}>
        Start rollout
      </button>
      <ErrorNote error={start.error} />
    </section>
  );
}
