import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { DomainError, ValidationFailedError, type DomainErrorCode, type ResourceProblem } from '@palisade/domain';
import { ConcurrencyError, DbError, EventStoreError, UnauthenticatedEventError } from '@palisade/event-store';
import { GateFullError } from './limits/gate.js';
import { RolloutRefusedError } from './rollout-engine.js';

/** A domain error's status; a Record, so a new code cannot go unmapped. */
const DOMAIN_CODES: Record<DomainErrorCode, TRPCError['code']> = { VALIDATION_FAILED: 'BAD_REQUEST', NOT_FOUND: 'NOT_FOUND', CONFLICT: 'CONFLICT' };

/** At most this many located problems travel in one error's data. */
const MAX_PROBLEMS = 500;

/**
 * The event store's and the domain's typed errors as API errors: the one place a kind of failure
 * gets its status. The message says what and where; anything else is not ours to name and stays
 * an internal error.
 */
export function toApiError(error: unknown): TRPCError | undefined {
  if (error instanceof TRPCError) return error;
  if (error instanceof ConcurrencyError) {
    const what = error.streamId.replace(/^resource\//, '');
    const message =
      error.actualVersion === 0
        ? `${what} is at version 0, not the expected ${error.expectedVersion}: it does not exist (any more); remove metadata.resourceVersion to create it`
        : `${what} is at version ${error.actualVersion}, not the expected ${error.expectedVersion}: it changed since it was read; get it again and retry`;
    return new TRPCError({ code: 'CONFLICT', message, cause: error });
  }
  if (error instanceof UnauthenticatedEventError) return new TRPCError({ code: 'PRECONDITION_FAILED', message: error.message, cause: error });
  // Invalid events, mismatched retries, bad queries.
  if (error instanceof EventStoreError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof DomainError) return new TRPCError({ code: DOMAIN_CODES[error.code], message: error.message, cause: error });
  // The workflow is in a state that does not take this update now (its validator said why).
  if (error instanceof RolloutRefusedError) return new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
  if (error instanceof GateFullError) return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
  if (error instanceof DbError && unavailable(error))
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable (restarting or unreachable); retry shortly', cause: error });
  return undefined;
}

/** SQLSTATEs and socket errors that mean the server went away or is full, not that the request was wrong. */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function unavailable(error: DbError): boolean {
  return (error.code !== undefined && UNAVAILABLE.has(error.code)) || /^(no database connection free|Connection terminated|connect ECONNREFUSED)/.test(error.message);
}

/** Located validation problems, for the error's data: clients show every one with its file and line. */
export function problemsOf(cause: unknown): ResourceProblem[] | undefined {
  return cause instanceof ValidationFailedError ? cause.problems.slice(0, MAX_PROBLEMS) : undefined;
}

/**
 * A request that does not fit a procedure's input schema, said in sentences naming each field
 * ("token.expiresInDays: must be at least 1"), not as the schema library's JSON.
 */
export function inputProblems(cause: unknown): string | undefined {
  if (!(cause instanceof z.ZodError)) return undefined;
  const issues = cause.issues.slice(0, 5).map((issue) => `${issue.path.length ? issue.path.join('.') : 'the request'}: ${sentence(issue)}`);
  const more = cause.issues.length > 5 ? `; and ${cause.issues.length - 5} more` : '';
  return `invalid request: ${issues.join('; ')}${more}`;
}

function sentence(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? `must be at least ${String(issue.minimum)} characters`
          : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `takes at most ${String(issue.maximum)} items`
        : issue.origin === 'string'
          ? `must be at most ${String(issue.maximum)} characters`
          : `must be at most ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    case 'invalid_type':
      return `must be ${issue.expected}`;
    default:
      return issue.message;
  }
}
