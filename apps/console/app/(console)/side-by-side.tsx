import type { DiffLine } from '../../lib/client/line-diff';

/** Before and after in two columns: removed lines on the left beside what replaced them on the right. */
export function SideBySide({ diff, label }: { diff: DiffLine[]; label: string }) {
  const rows: { left?: DiffLine; right?: DiffLine }[] = [];
  for (let i = 0; i < diff.length;) {
    if (diff[i]!.op === ' ') {
      rows.push({ left: diff[i], right: diff[i] });
      i++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < diff.length && diff[i]!.op !== ' ') (diff[i]!.op === '-' ? removed : added).push(diff[i++]!);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push({ ...(removed[k] ? { left: removed[k] } : {}), ...(added[k] ? { right: added[k] } : {}) });
  }
  const cell = (line: DiffLine | undefined, side: 'old' | 'new') => (
    <>
      <td className="num">{line?.[side] ?? ''}</td>
      <td className={line?.op === '-' ? 'removed' : line?.op === '+' ? 'added' : ''}>
        <code>{line?.text ?? ''}</code>
      </td>
    </>
  );
  return (
    <div className="scroll">
      <table className="diff side-by-side" aria-label={label}>
        <thead>
          <tr>
            <th scope="col" colSpan={2}>
              Before
            </th>
            <th scope="col" colSpan={2}>
              After
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {cell(r.left, 'old')}
              {cell(r.right, 'new')}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
