import { TRPCError } from '@trpc/server';
import { ConcurrencyError, EventStoreError, InvalidEventError, ValidationFailedError } from '@palisade/event-store';

/** The event store's typed errors as API errors: the message says what and where, the code what kind. */
export function toApiError(error: unknown): unknown {
  if (error instanceof TRPCError) return error;
  if (error instanceof ValidationFailedError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof ConcurrencyError) {
    const what = error.streamId.replace(/^resource\//, '');
    const message = error.actualVersion === 0 ? `${what} is at version 0, not the expected ${error.expectedVersion}: it does not exist (any more); remove metadata.resourceVersion to create it` : `${what} is at version ${error.actualVersion}, not the expected ${error.expectedVersion}: it changed since it was read; get it again and retry`;
    return new TRPCError({ code: 'CONFLICT', message, cause: error });
  }
  if (error instanceof InvalidEventError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof EventStoreError) return new TRPCError({ code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST', message: error.message, cause: error });
  return error;
}

export async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toApiError(error);
  }
}
