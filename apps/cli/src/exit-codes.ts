// Kept apart from output.ts and free of imports: every command's --help quotes these, and
// registering the commands must not load what reporting a failure needs.

/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Something failed (a start, a stop, a check), or the input is invalid. */
  FAILURE: 1,
  /** The command line or the configuration is wrong. */
  USAGE: 2,
  /** A dependency (PostgreSQL, NATS, Temporal, the gateway) is unreachable or not ready, or the rate limit was hit. */
  UNAVAILABLE: 3,
  /** The gateway refused: no valid token, or the token lacks the permission. */
  DENIED: 4,
  /** The resource changed since it was read (a stale resourceVersion). */
  CONFLICT: 5,
  /** The resource, release, token or cluster does not exist. */
  NOT_FOUND: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** For --help: what every exit code means. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok, 1 failed or invalid input, 2 bad usage, 3 gateway unreachable or rate limited, 4 not authenticated or not permitted, 5 conflict (changed since read), 6 not found.';
