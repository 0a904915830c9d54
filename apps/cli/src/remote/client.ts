import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@palisade/api';
import type { ResourceProblem } from '@palisade/event-store';
import { EXIT } from '../output.js';
import type { Remote } from './config.js';

export type Api = ReturnType<typeof createTRPCClient<AppRouter>>;

export function connect(remote: Remote): Api {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${remote.url}/trpc`, headers: { authorization: `Bearer ${remote.token}`, 'user-agent': 'palisade-cli' } })],
  });
}

/** A refusal or failure from the gateway, with the exit code scripts see. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly problems: ResourceProblem[] = [],
  ) {
    super(message);
  }
}

const CODES: Record<string, number> = {
  UNAUTHORIZED: EXIT.DENIED,
  FORBIDDEN: EXIT.DENIED,
  CONFLICT: EXIT.CONFLICT,
  NOT_FOUND: EXIT.NOT_FOUND,
  TOO_MANY_REQUESTS: EXIT.UNAVAILABLE,
  BAD_REQUEST: EXIT.FAILURE,
  PARSE_ERROR: EXIT.FAILURE,
  PAYLOAD_TOO_LARGE: EXIT.FAILURE,
};

/** Runs a call, turning what the gateway says (or that it is unreachable) into a RemoteError. */
export async function call<T>(remote: Remote, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as { code?: string; httpStatus?: number; problems?: ResourceProblem[] };
      // fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND ...) a level or two down.
      let cause: unknown = error.cause;
      let socketCode: string | undefined;
      for (let depth = 0; cause && depth < 4 && !socketCode; depth++, cause = (cause as { cause?: unknown }).cause) socketCode = (cause as { code?: string }).code;
      if (!data.code && (socketCode || /fetch failed/i.test(error.message))) {
        throw new RemoteError(`cannot reach the gateway at ${remote.url}: ${socketCode ?? error.message}`, EXIT.UNAVAILABLE);
      }
      // Errors the gateway answers before the API (413, 429, timeouts) are JSON of their own.
      const raw = /^\{"error":\{"code":"([A-Z_]+)","message":"(.*?)"/.exec(error.message);
      const code = data.code ?? raw?.[1] ?? 'INTERNAL_SERVER_ERROR';
      const message = raw ? JSON.parse(`"${raw[2]}"`) as string : error.message;
      throw new RemoteError(message, CODES[code] ?? EXIT.FAILURE, data.problems ?? []);
    }
    throw error;
  }
}
