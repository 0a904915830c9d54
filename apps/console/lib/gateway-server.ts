import { cookies } from 'next/headers';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@palisade/api';
import { gatewayUrl } from '../app/gateway';
import { openSession, sessionKey, SESSION_COOKIE } from './session';

/**
 * The gateway as the signed-in person, for pages the console's server renders with their first
 * data already in (the board shows its rows before any script runs). Undefined without a session.
 */
export async function gatewayAsViewer() {
  const session = openSession((await cookies()).get(SESSION_COOKIE)?.value, sessionKey());
  if (!session) return undefined;
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${gatewayUrl()}/trpc`, headers: { authorization: `Bearer ${session.token}` } })] });
}
