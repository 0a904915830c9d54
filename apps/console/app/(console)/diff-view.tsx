import { memo } from 'react';
import type { DiffLine } from '../../lib/client/line-diff';

/** A unified line diff, with the unchanged stretches folded down to their edges. */
export const DiffView = memo(function DiffView({ diff, label, context = 3 }: { diff: DiffLine[]; label: string; context?: number }) {
  const near = new Set<number>();
  diff.forEach((line, i) => {
    if (line.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(diff.length - 1, i + context); k++) near.add(k);
  });
  const rows: (DiffLine | { skipped: number })[] = [];
  let skipped = 0;
  diff.forEach((line, i) => {
    if (near.has(i)) {
      if (skipped) rows.push({ skipped });
      skipped = 0;
      rows.push(line);
    } else skipped++;
  });
  if (skipped) rows.push({ skipped });
  return (
    <div className="scroll">
      <table className="diff" aria-label={label}>
        <tbody>
          {rows.map((row, i) =>
            'skipped' in row ? (
              <tr key={i} className="skipped">
                <td colSpan={3}>… {row.skipped} unchanged lines</td>
              </tr>
            ) : (
              <tr key={i} className={row.op === '+' ? 'added' : row.op === '-' ? 'removed' : ''}>
                <td className="num">{row.old ?? ''}</td>
                <td className="num">{row.new ?? ''}</td>
                <td>
                  <code>
                    <span aria-label={row.op === '+' ? 'added' : row.op === '-' ? 'removed' : undefined}>{row.op}</span> {row.text}
                  </code>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
});
