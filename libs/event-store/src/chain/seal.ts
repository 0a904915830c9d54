import { sha256Hex } from '../store/canonical.js';
import { hashedContent } from '../store/append.js';
import type { HorizonSource } from '../horizon/committed.js';
import { readRange } from '../store/read.js';
import type { Db, RecordedEvent } from '../store/types.js';
import { lagFrom, type ReaderLag } from '../projections/runner.js';

/** The chain's first link points at this. */
export const GENESIS = '0'.repeat(64);

/** One link: the previous link, the position and the content, so reordering, removing or editing any event breaks every later link. */
export function linkHash(prevHash: string, position: number, contentHash: string): string {
  return sha256Hex(`${prevHash}|${position}|${contentHash}`);
}

/** Recomputes an event's content hash from what is stored. */
export function recomputeContentHash(event: RecordedEvent): string {
  return sha256Hex(hashedContent(event));
}

export class ChainError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}

// One sealer at a time, whichever process runs it.
const SEALER_LOCK = 72707370;

/**
 * Extends the hash chain over events that have become final (below the committed horizon), in
 * position order. Returns how many events it sealed. Refuses to seal an event whose stored content
 * no longer matches the hash computed when it was appended.
 */
export async function sealBatch(db: Db, horizon: HorizonSource, limit = 1_000): Promise<number> {
  const upTo = await horizon.current(db);
  return db.transaction(
    async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK}) AS ok`;
      if (!lock?.ok) return 0;
      const [last] = await tx.query<{ position: bigint; hash: string }[]>`SELECT position, hash FROM event_chain ORDER BY position DESC LIMIT 1`;
      const events = await readRange(tx, Number(last?.position ?? 0), upTo, limit);
      if (events.length === 0) return 0;
      let prev = last?.hash ?? GENESIS;
      const positions: number[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (const event of events) {
        if (recomputeContentHash(event) !== event.contentHash)
          throw new ChainError(event.position, `event ${event.id} at position ${event.position} does not match the hash it was appended with: not sealing it (run palisade audit verify)`);
        const hash = linkHash(prev, event.position, event.contentHash);
        positions.push(event.position);
        prevs.push(prev);
        hashes.push(hash);
        prev = hash;
      }
      await tx.execute`INSERT INTO event_chain (position, prev_hash, hash) SELECT * FROM unnest(${positions}::bigint[], ${prevs}::text[], ${hashes}::text[])`;
      return events.length;
    },
    { timeout: 60_000 },
  );
}

/** How far the sealer trails the committed horizon: the same measure as a projection's lag. */
export async function sealerLag(db: Db, upTo: number): Promise<ReaderLag> {
  const [last] = await db.query<{ position: bigint }[]>`SELECT position FROM event_chain ORDER BY position DESC LIMIT 1`;
  return lagFrom(db, Number(last?.position ?? 0), upTo);
}
