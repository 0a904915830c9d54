// The event log and nothing else: appends, reads, the committed horizon, the hash chain, the
// projection runner, migrations and the pg client. What the events mean lives in @palisade/domain;
// publishing them to NATS lives in @palisade/outbox.
export { createDbClient, DbError, UNIQUE_VIOLATION, type DbClient, type DbTx, type DbOptions, type TransactionOptions } from './client.js';
export { applyMigrations, type MigrateOptions, type MigrateResult } from './migrate/apply.js';
export { ensureAppRole, APP_ROLE } from './migrate/roles.js';
export { loadMigrations, defaultMigrationsDir, checksum, type Migration } from './migrate/load.js';
export { MigrationError, type MigrationErrorCode } from './migrate/errors.js';

export { append, appendInTransaction, streamTypeOf, hashedContent, LIMITS, NOTIFY_CHANNEL, type AppendOptions } from './store/append.js';
export { readStream, readLast, readLastAt, readLastOfEach, readRange, readEventById, streamIdsStartingWith, newestStreams, streamVersion, logHead, countEvents } from './store/read.js';
export { readLog, positionAt, checkPage, MAX_PAGE, type LogFilter, type LogPage, type Page } from './store/log.js';
export { CommittedHorizon, type HorizonSource } from './horizon/committed.js';
export { HorizonNotifier, startHorizonNotifier, type HorizonNotifierOptions, type HorizonStats } from './horizon/notifier.js';
export { canonicalJson, contentHash, sha256Hex } from './store/canonical.js';
export { EventStoreError, ConcurrencyError, IdempotencyError, InvalidEventError, UnauthenticatedEventError, type EventStoreErrorCode } from './store/errors.js';
export { EventKey, type EventAuthProblem } from './auth/event-key.js';
export { introduceEventKey, loadEventKey, EventKeyError } from './auth/introduce.js';
export type { NewEvent, RecordedEvent, AppendRequest, AppendResult, ExpectedVersion, JsonValue, Db, Tx } from './store/types.js';
export { sealBatch, sealerLag, linkHash, GENESIS, ChainError } from './chain/seal.js';
export { verifyChain, type VerifyResult } from './chain/verify.js';
export { chainHead, checkAnchor, type ChainAnchor, type AnchorCheck } from './chain/anchor.js';
export {
  projectBatch,
  catchUp,
  rebuild,
  runLoop,
  sleep,
  readCheckpoint,
  advanceCheckpoint,
  setCheckpoint,
  readerLag,
  lagFrom,
  type ReaderLag,
  type Projection,
  type RunOptions,
} from './projections/runner.js';
