import { describeError } from '../../lib/client/trpc';

// Small pieces every page repeats.

/** The gateway's error where the data would be, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {describeError(error).message}
    </p>
  );
}

/** A table's header row. */
export function Head({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** "1–100 of 2,345 things" and the Previous/Next buttons of a paged list. */
export function Pager({ offset, page, total, onOffset }: { offset: number; page: number; total: number; onOffset: (offset: number) => void }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - page))}>
        Previous
      </button>
      <button disabled={offset + page >= total} onClick={() => onOffset(offset + page)}>
        Next
      </button>
    </nav>
  );
}
