/** Errors the event store raises, each with a stable code for callers and the API to map. */
export type EventStoreErrorCode = 'WRONG_EXPECTED_VERSION' | 'IDEMPOTENCY_MISMATCH' | 'INVALID_EVENT' | 'INVALID_QUERY';

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
