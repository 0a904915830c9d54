'use client';
import type { Resource } from '@palisade/engine';
import { diffLines } from '../../../../lib/client/line-diff';
import { mergeThreeWay } from '../../../../lib/client/merge';
import { DiffView } from '../../diff-view';

export interface Conflict {
  key: string;
  version: number;
  resource: Resource;
  text: string;
  actor: string;
  at: string;
}

/**
 * Someone saved this policy after it was opened here. Their change is shown against what was
 * opened, and the edit made here is merged onto theirs field by field; where both changed the
 * same field, the person picks. Nothing is saved until they save again.
 */
export function ConflictPanel({
  conflict,
  base,
  mine,
  onUse,
}: {
  conflict: Conflict;
  base: { resource: Resource; text: string; version: number } | null;
  mine: Resource | undefined;
  onUse: (resource: Resource, merged: boolean) => void;
}) {
  const merge = base && mine ? mergeThreeWay(base.resource, conflict.resource, mine) : undefined;
  return (
    <section className="conflict" role="alert" aria-labelledby="conflict-title" data-testid="conflict">
      <h2 id="conflict-title">Someone else changed this policy</h2>
      <p>
        {conflict.actor} saved version {conflict.version} at {new Date(conflict.at).toLocaleString()}
        {base ? `, after you opened version ${base.version}` : ''}. Your change was not saved.
      </p>
      <h3>Their change</h3>
      <DiffView diff={diffLines(base?.text ?? '', conflict.text)} label="Their change" />
      {merge && merge.conflicts.length > 0 && (
        <>
          <h3>Both of you changed</h3>
          <ul>
            {merge.conflicts.map((c) => (
              <li key={c.path}>
                <code>{c.path}</code>: theirs <code>{JSON.stringify(c.theirs)}</code>, yours <code>{JSON.stringify(c.mine)}</code> (the merge keeps yours)
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="actions">
        {merge && (
          <button type="button" onClick={() => onUse(merge.merged as Resource, true)}>
            Merge my change onto theirs
          </button>
        )}
        <button type="button" onClick={() => onUse(conflict.resource, false)}>
          Discard mine, load theirs
        </button>
      </div>
    </section>
  );
}
