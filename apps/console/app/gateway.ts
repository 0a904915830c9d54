import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@palisade/api';

/** The gateway as seen from the console's server: its URL is runtime configuration, not build-time. */
export function gatewayUrl(): string {
  return process.env['PALISADE_GATEWAY_URL'] ?? 'http://127.0.0.1:14000';
}

export function gatewayClient() {
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${gatewayUrl()}/trpc` })] });
}
