'use client';
import Link from 'next/link';
import { useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';
import { diffLines } from '../../../lib/client/line-diff';
import { toYaml } from '../../../lib/client/resource-yaml';
import type { Resource } from '@palisade/engine';
import { SideBySide } from '../side-by-side';

type Event = inferRouterOutputs<AppRouter>['audit']['log']['events'][number];

const yaml = (v: unknown) => (v === null || v === undefined ? '' : toYaml(v as Resource));

/** One event: who, what, when, why, with the resource's before and after side by side. */
export function AuditEntry({ event, onCorrelation }: { event: Event; onCorrelation: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const payload = (event.payload ?? {}) as { key?: string; before?: unknown; after?: unknown };
  const isResource = event.streamType === 'resource' && ('before' in payload || 'after' in payload);
  return (
    <li className="entry" data-position={event.position} data-stream={event.streamId}>
      <div className="entry-head">
        <time dateTime={event.recordedAt}>{new Date(event.recordedAt).toLocaleString()}</time>
        <span className="tag">{event.type}</span>
        <code>{event.streamId}</code>
        <span>by {event.actor}</span>
        <span className="muted">#{event.position}</span>
      </div>
      {event.reason && <p className="reason">“{event.reason}”</p>}
      <div className="entry-actions">
        {isResource && (
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide diff' : 'Show diff'}
          </button>
        )}
        <Link href={`/policies?at=${event.position - 1}`}>Board before this</Link>
        <Link href={`/policies?at=${event.position}`}>Board after this</Link>
        {event.correlationId && (
          <button type="button" className="link" onClick={() => onCorrelation(event.correlationId!)}>
            Same change ({event.correlationId.slice(0, 8)})
          </button>
        )}
      </div>
      {open && isResource && <SideBySide diff={diffLines(yaml(payload.before), yaml(payload.after))} label={`Diff of ${payload.key ?? event.streamId}`} />}
    </li>
  );
}
