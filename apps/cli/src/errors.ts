// One error type per edge the CLI has: what the person typed, what the engine found in local files,
// what the gateway answered. output.ts `report` alone turns them into a message and an exit code.
// This module imports nothing, so every command can throw these without loading anything.

/** A problem located in a file (line and column) or, when the gateway has no file name, in the request. */
export interface Problem {
  file?: string;
  /** The resource's place in the request; -1 when the problem is about the input as a whole. */
  index: number;
  line?: number;
  column?: number;
  /** The field, e.g. spec.ingress[0].protocol; empty for the document. */
  path: string;
  message: string;
}

/** The command line or the local input is wrong (a missing file, a bad flag value, an unknown kind): a usage error. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Local files the engine found invalid, so nothing was sent: every problem is reported with its place. */
export class LocalValidationError extends Error {
  override readonly name = 'LocalValidationError';
  constructor(readonly problems: readonly Problem[]) {
    super('invalid input, nothing was sent');
  }
}

/** What the gateway's answer means to a script; `report` gives each its exit code. */
export type RemoteErrorKind =
  /** The gateway could not be reached. */
  | 'unreachable'
  /** The token is over its rate limit. */
  | 'rate-limited'
  /** No valid token, or the token lacks the permission. */
  | 'denied'
  /** The resource changed since it was read, or a live token already has the name. */
  | 'conflict'
  /** The resource, release, token or cluster does not exist. */
  | 'not-found'
  /** The gateway found the request invalid (problems say where). */
  | 'invalid'
  /** Anything else went wrong on the gateway. */
  | 'failed';

/** A refusal or failure from the gateway. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    message: string,
    readonly kind: RemoteErrorKind,
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
  }
}
