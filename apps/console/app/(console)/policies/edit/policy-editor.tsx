'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { keyOf, type Resource } from '@palisade/engine';
import { diffLines, changed } from '../../../../lib/client/line-diff';
import { TEMPLATES } from '../../../../lib/client/templates';
import { describeError, useTRPC, useTRPCClient } from '../../../../lib/client/trpc';
import { validateText } from '../../../../lib/client/validate';
import { useCan, useViewer } from '../../../../lib/client/viewer';
import { DiffView } from '../../diff-view';
import { ConflictPanel, type Conflict } from './conflict-panel';
import { ImpactPanel } from './impact-panel';
import { PolicyForm } from './policy-form';
import { toYaml, withoutVersion } from '../../../../lib/client/resource-yaml';
import { handDraft } from '../../simulate/draft';
import { YamlEditor } from './yaml-editor';

/** A template, placed in the viewer's own namespace when it names one. */
const templateFor = (yaml: string, namespace: string | undefined) => (namespace ? yaml.replace(/^( {2}namespace: ).*$/m, `$1${namespace}`) : yaml);

interface Base {
  key: string;
  version: number;
  resource: Resource;
  text: string;
}

/** Write a policy: validated as you type, diffed, previewed, saved with a reason, never over someone else's change. */
export function PolicyEditor() {
  const params = useSearchParams();
  const key = params.get('key');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const viewer = useViewer();
  const { canWrite } = useCan();
  const stored = useQuery({ ...trpc.resources.get.queryOptions({ key: key ?? '' }), enabled: !!key, staleTime: Infinity });
  const [base, setBase] = useState<Base | null>(null);
  const firstTemplate = TEMPLATES.find((t) => t.id === (viewer.role === 'developer' ? 'default-deny-namespace' : 'blank-global'))!;
  const [text, setText] = useState(key ? '' : templateFor(firstTemplate.yaml, viewer.namespaces?.[0]));
  const [view, setView] = useState<'yaml' | 'form'>('yaml');
  const [reason, setReason] = useState('');
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [saved, setSaved] = useState<{ key: string; version: number } | null>(null);

  useEffect(() => {
    if (!stored.data || base) return;
    const resource = withoutVersion(stored.data.resource as Resource);
    const yaml = toYaml(resource);
    setBase({ key: stored.data.key, version: stored.data.version, resource, text: yaml });
    setText(yaml);
  }, [stored.data, base]);

  const verdict = useMemo(() => {
    // A User Timing entry per validation: devtools and the console benchmark read it.
    const start = performance.now();
    const result = validateText(text);
    performance.measure('palisade:validate', { start, end: performance.now(), detail: { characters: text.length } });
    return result;
  }, [text]);
  const draft = verdict.resources.length === 1 ? verdict.resources[0]! : undefined;
  const draftKey = draft ? keyOf(draft) : undefined;
  // Another resource than the one loaded: saving creates it (and never overwrites an existing one).
  const renamed = !!base && !!draftKey && draftKey !== base.key;
  // A stored policy the viewer may not write is shown read-only; a draft they may not save says so.
  const readOnly = !!base && !canWrite(base.resource);
  const mayWrite = draft ? canWrite(draft, renamed ? null : (base?.resource ?? null)) : !readOnly;
  // The diff and what hangs off it follow the text a moment behind: typing stays quick on a long policy.
  const settled = useDeferredValue(text);
  const diff = useMemo(() => diffLines(base && !renamed ? base.text : '', settled), [base, renamed, settled]);

  const save = useMutation({
    mutationFn: async () => {
      if (!draft || !draftKey) throw new Error('the policy is not valid yet');
      const expected = { [draftKey]: base && !renamed ? base.version : 0 };
      return client.resources.put.mutate({ documents: text, ...(reason.trim() ? { reason: reason.trim() } : {}), expectedVersions: expected });
    },
    onSuccess: (result) => {
      const change = result.changes[0]!;
      setSaved({ key: change.key, version: change.version });
      setBase({ key: change.key, version: change.version, resource: draft!, text });
      setConflict(null);
      setReason('');
      void queryClient.invalidateQueries({ queryKey: trpc.board.policies.queryKey() });
      if (!key || renamed) window.history.replaceState(null, '', `/policies/edit?key=${encodeURIComponent(change.key)}`);
    },
    onError: async (error) => {
      if (describeError(error).code !== 'CONFLICT' || !draftKey) return;
      // Someone else saved first: show what they changed and offer a merge, never overwrite.
      const theirs = await client.resources.get.query({ key: draftKey }).catch(() => undefined);
      if (theirs)
        setConflict({
          key: draftKey,
          version: theirs.version,
          resource: withoutVersion(theirs.resource as Resource),
          text: toYaml(theirs.resource as Resource),
          actor: theirs.updatedBy,
          at: theirs.updatedAt,
        });
    },
  });

  if (key && stored.error) {
    return (
      <p role="alert" className="error">
        {describeError(stored.error).message}
      </p>
    );
  }
  if (key && !base) return <p className="muted">Loading {key}…</p>;
  const title = base ? `${renamed ? 'New policy from ' : ''}${base.key}` : 'New policy';
  return (
    <section aria-labelledby="editor-title" className="editor">
      <div className="heading">
        <h1 id="editor-title">{title}</h1>
        {base && <span className="muted">version {base.version}</span>}
      </div>
      {readOnly && (
        <p className="notice" data-testid="read-only">
          Read only: {viewer.actor} ({viewer.role}) cannot change this policy.
        </p>
      )}
      {!key && (
        <label className="templates">
          Start from a template
          <select defaultValue={firstTemplate.id} onChange={(e) => setText(templateFor(TEMPLATES.find((t) => t.id === e.target.value)!.yaml, viewer.namespaces?.[0]))}>
            {TEMPLATES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <div role="tablist" aria-label="Editor view" className="tabs">
        {(['yaml', 'form'] as const).map((v) => (
          <button key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>
            {v === 'yaml' ? 'YAML' : 'Form'}
          </button>
        ))}
      </div>
      {view === 'yaml' ? (
        <YamlEditor text={text} onChange={setText} problems={verdict.problems} readOnly={readOnly} label="Policy YAML" />
      ) : (
        <PolicyForm text={text} onChange={setText} readOnly={readOnly} />
      )}
      <div aria-live="polite" data-testid="problems">
        {verdict.problems.length === 0 ? (
          <p className="ok">{draft ? `Valid: ${draftKey}` : 'Write one policy.'}</p>
        ) : (
          <ul className="problems">
            {verdict.problems.map((p, i) => (
              <li key={i} data-line={p.line} data-column={p.column}>
                Line {p.line}, column {p.column}
                {p.path ? ` (${p.path})` : ''}: {p.message}
              </li>
            ))}
          </ul>
        )}
        {verdict.resources.length > 1 && <p className="error">The editor saves one policy at a time; this text holds {verdict.resources.length}.</p>}
      </div>
      {conflict && (
        <ConflictPanel
          conflict={conflict}
          base={base}
          mine={draft}
          onUse={(next, merged) => {
            setBase({ key: conflict.key, version: conflict.version, resource: conflict.resource, text: conflict.text });
            setText(merged ? toYaml(next) : conflict.text);
            setConflict(null);
          }}
        />
      )}
      {!readOnly && (
        <>
          {draft && !mayWrite && (
            <p className="notice" data-testid="not-permitted">
              {viewer.actor} ({viewer.role}) may not save this {draft.kind}
              {viewer.namespaces ? ` (writable namespaces: ${viewer.namespaces.join(', ') || 'none'})` : ''}.
            </p>
          )}
          <h2>Changes</h2>
          {!base || renamed ? (
            <p className="muted">A new policy: nothing stored to compare with yet.</p>
          ) : changed(diff) ? (
            <DiffView diff={diff} label="Changes against the stored version" />
          ) : (
            <p className="muted">No changes against the stored version.</p>
          )}
          <ImpactPanel text={settled} valid={!!draft && settled === text} />
          <p>
            <button
              type="button"
              className="link"
              disabled={!draft}
              onClick={() => {
                handDraft(text);
                window.location.assign('/simulate?draft=1');
              }}
            >
              Simulate flows with this draft
            </button>
          </p>
          <form
            className="save"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <label>
              Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why this change (recorded in the audit history)" maxLength={4096} />
            </label>
            <button type="submit" disabled={!draft || !mayWrite || save.isPending || !changed(diff)}>
              Save
            </button>
          </form>
          {save.error && describeError(save.error).code !== 'CONFLICT' && (
            <div role="alert" className="error">
              {describeError(save.error).message}
              <ul>
                {describeError(save.error).problems.map((p, i) => (
                  <li key={i}>
                    {p.line ? `Line ${p.line}, column ${p.column}: ` : ''}
                    {p.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {saved && !save.isPending && (
            <p role="status" className="ok" data-testid="saved">
              Saved {saved.key} as version {saved.version}. <Link href="/policies">Back to the board</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
