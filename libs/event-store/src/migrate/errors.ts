export type MigrationErrorCode =
  /** A migration recorded as applied no longer has the same contents on disk. */
  | 'CHANGED'
  /** The database records a migration this code does not have (the database is ahead). */
  | 'UNKNOWN'
  /** A migration started earlier and never finished (applied outside this migrator). */
  | 'INCOMPLETE'
  /** A migration's SQL failed; nothing of it was kept. */
  | 'FAILED'
  | 'BAD_DIRECTORY';

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    readonly migration: string | undefined,
    message: string,
    /** 1-based line and column in migration.sql, when PostgreSQL reported a position. */
    readonly location?: { line: number; column: number },
  ) {
    super(message);
  }
}
