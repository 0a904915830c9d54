/** Errors the event store raises, each with a stable code for callers and the API to map. */
export type EventStoreErrorCode = 'WRONG_EXPECTED_VERSION' | 'IDEMPOTENCY_MISMATCH' | 'INVALID_EVENT' | 'INVALID_QUERY' | 'UNAUTHENTICATED_EVENT';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

/** Optimistic concurrency: the stream is not at the version the writer expected. Nothing was written. */
export class ConcurrencyError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super('WRONG_EXPECTED_VERSION', `stream ${streamId} is at version ${actualVersion}, not the expected ${expectedVersion}: reload it and retry`);
    this.name = 'ConcurrencyError';
  }
}

/** An event id was already used for a different event (or some of a batch's ids were). Nothing was written. */
export class IdempotencyError extends EventStoreError {
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super('IDEMPOTENCY_MISMATCH', `event id ${eventId} ${detail}`);
    this.name = 'IdempotencyError';
  }
}

/** An event that cannot be stored as given: which one and which field. Nothing was written. */
export class InvalidEventError extends EventStoreError {
  constructor(
    readonly index: number,
    readonly field: string,
    problem: string,
  ) {
    super('INVALID_EVENT', `event ${index}: ${field} ${problem}`);
    this.name = 'InvalidEventError';
  }
}

/**
 * The log holds an event no Palisade writer wrote (a row inserted or edited around the gateway):
 * every read that would include it is refused, so projections, releases and the bus never act on it.
 */
export class UnauthenticatedEventError extends EventStoreError {
  constructor(
    readonly position: number,
    readonly eventId: string,
    readonly problem: string,
  ) {
    super(
      'UNAUTHENTICATED_EVENT',
      `the event log holds an event no Palisade writer wrote: event ${eventId} at position ${position} has ${problem}; reads that include it are refused (run palisade audit verify)`,
    );
    this.name = 'UnauthenticatedEventError';
  }
}
