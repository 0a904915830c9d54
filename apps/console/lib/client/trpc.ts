'use client';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@palisade/api';

// The browser talks to the console's own /api/trpc, same origin: the session cookie goes along and
// the console's server adds the bearer token. Subscriptions (live updates) are server-sent events.

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/api/trpc' }),
        // Queries go as POST: their inputs (documents, previews) can outgrow a URL. The console's
        // server checks the Origin of every POST, so this costs no CSRF safety.
        false: httpBatchLink({ url: '/api/trpc', methodOverride: 'POST' }),
      }),
    ],
  });
}

/** A located problem the gateway sends with a validation failure. */
export interface Problem {
  message: string;
  line?: number;
  column?: number;
  path?: string;
  document?: number;
  file?: string;
}

/** What went wrong, in the gateway's words, with its code and any located problems. */
export function describeError(error: unknown): { message: string; code?: string; problems: Problem[] } {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; problems?: Problem[] };
    return { message: error.message, ...(data.code ? { code: data.code } : {}), problems: data.problems ?? [] };
  }
  return { message: error instanceof Error ? error.message : String(error), problems: [] };
}
