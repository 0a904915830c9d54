import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';

// Shared by the board's server page (which fetches the first page) and its client component.

export const PAGE = 100;
export const KINDS = ['global', 'namespaced', 'kubernetes', 'staged'] as const;
export type Kind = (typeof KINDS)[number];
export type BoardPage = inferRouterOutputs<AppRouter>['board']['policies'];
export type Filter = { namespace?: string; label?: string; kind?: Kind; text?: string };

/** The board's query: a filter, a page, and "at" (a log position or an instant) for time travel. */
export function boardInput(filter: Filter, offset: number, at: string | undefined) {
  return { filter, offset, limit: PAGE, ...(at ? { at: /^\d+$/.test(at) ? { position: Number(at) } : { time: at } } : {}) };
}
