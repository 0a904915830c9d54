import Link from 'next/link';
import { Head } from './ui';

interface SetDiff {
  added: string[];
  removed: string[];
  changed: { key: string; fields: { path: string; before?: unknown; after?: unknown }[] }[];
}

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** What changes between two policy sets, field by field, each resource linking to the editor. */
export function SetDiffView({ diff, label }: { diff: SetDiff; label: string }) {
  const empty = diff.added.length + diff.removed.length + diff.changed.length === 0;
  return (
    <section aria-label={label} className="set-diff" data-testid="set-diff">
      {empty && <p>No difference.</p>}
      {diff.added.length > 0 && (
        <>
          <h3>Added ({diff.added.length})</h3>
          <ul>
            {diff.added.map((k) => (
              <li key={k} className="added">
                <Link href={`/policies/edit?key=${encodeURIComponent(k)}`}>{k}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
      {diff.removed.length > 0 && (
        <>
          <h3>Removed ({diff.removed.length})</h3>
          <ul>
            {diff.removed.map((k) => (
              <li key={k} className="removed">
                {k}
              </li>
            ))}
          </ul>
        </>
      )}
      {diff.changed.length > 0 && (
        <>
          <h3>Changed ({diff.changed.length})</h3>
          {diff.changed.map((c) => (
            <div key={c.key} className="scroll">
              <table>
                <caption>
                  <Link href={`/policies/edit?key=${encodeURIComponent(c.key)}`}>{c.key}</Link>
                </caption>
                <Head columns={['Field', 'Before', 'After']} />
                <tbody>
                  {c.fields.map((f) => (
                    <tr key={f.path}>
                      <td>
                        <code>{f.path}</code>
                      </td>
                      <td className="removed">
                        <code>{show(f.before)}</code>
                      </td>
                      <td className="added">
                        <code>{show(f.after)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
