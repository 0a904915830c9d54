import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@palisade/api';
import { RemoteError, type Problem, type RemoteErrorKind } from '../errors.js';
import { tracedFetch } from '../tracing.js';
import type { Remote } from './config.js';

export type Api = ReturnType<typeof createTRPCClient<AppRouter>>;

/** The gateway's and tRPC's error codes, in the terms exit codes distinguish; any other code is a failure. */
const KINDS = new Map<string, RemoteErrorKind>([
  ['UNAUTHORIZED', 'denied'],
  ['FORBIDDEN', 'denied'],
  ['CONFLICT', 'conflict'],
  ['NOT_FOUND', 'not-found'],
  ['TOO_MANY_REQUESTS', 'rate-limited'],
  ['BAD_REQUEST', 'invalid'],
  ['PARSE_ERROR', 'invalid'],
  ['PAYLOAD_TOO_LARGE', 'invalid'],
]);
const kindOf = (code: string | undefined): RemoteErrorKind => KINDS.get(code ?? '') ?? 'failed';

/**
 * The gateway answers some requests before the API does (413 too large, 429 rate limited, 503
 * timed out) with its own JSON, `{"error":{"code":"TOO_MANY_REQUESTS","message":...}}`; tRPC's
 * own errors carry a numeric code. Those are turned into RemoteErrors here, where the body is seen.
 */
const gatewayFetch: typeof fetch = async (input, init) => {
  const res = await tracedFetch(input, init, fetch);
  if (res.ok) return res;
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = (await res.clone().json()) as typeof body;
  } catch {
    return res;
  }
  const code = body?.error?.code;
  if (typeof code !== 'string') return res;
  throw new RemoteError(String(body?.error?.message ?? code), kindOf(code));
};

export function connect(remote: Remote): Api {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${remote.url}/trpc`, fetch: gatewayFetch, headers: { authorization: `Bearer ${remote.token}`, 'user-agent': 'palisade-cli' } })],
  });
}

/** Runs a call, turning what the gateway says (or that it is unreachable) into a RemoteError. */
export async function call<T>(remote: Remote, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TRPCClientError && error.cause instanceof RemoteError) throw error.cause;
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as { code?: string; httpStatus?: number; problems?: Problem[] };
      // fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND ...) a level or two down.
      let cause: unknown = error.cause;
      let socketCode: string | undefined;
      for (let depth = 0; cause && depth < 4 && !socketCode; depth++, cause = (cause as { cause?: unknown }).cause) socketCode = (cause as { code?: string }).code;
      if (!data.code && (socketCode || /fetch failed/i.test(error.message))) {
        throw new RemoteError(`cannot reach the gateway at ${remote.url}: ${socketCode ?? error.message}`, 'unreachable');
      }
      throw new RemoteError(error.message, kindOf(data.code), data.problems ?? []);
    }
    throw error;
  }
}
