import type { DbClient } from '../sql/client.js';
import type { EventKey } from './event-key.js';

export class EventKeyError extends Error {
  override readonly name = 'EventKeyError';
}

// Two gateways starting at once with a new key must record one row, not two.
const INTRODUCE_LOCK = 72707372;

/**
 * Loads (or, on a key's first start, records) where the events written before this key end, and
 * sets it on the key. The first start with a key takes the log's current sequence as the end of
 * the unsigned prefix and records it with a MAC, so nobody without the key can move it later; a
 * row that does not carry a valid MAC, or a missing row while events signed by the key exist,
 * means someone edited the table: refused, loudly.
 */
export async function introduceEventKey(db: DbClient, key: EventKey): Promise<{ legacyUpTo: number; introduced: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute`SELECT pg_advisory_xact_lock(${INTRODUCE_LOCK})`;
    const [row] = await tx.query<{ since_position: bigint; mac: string }[]>`SELECT since_position, mac FROM event_keys WHERE kid = ${key.kid}`;
    if (row) {
      const since = Number(row.since_position);
      if (!key.checkIntroduction(since, row.mac))
        throw new EventKeyError(`the event_keys row of key ${key.kid} does not carry its MAC: it was written or changed around Palisade; refusing to trust the log`);
      key.legacyUpTo = since;
      return { legacyUpTo: since, introduced: false };
    }
    const [signed] = await tx.query<{ position: bigint }[]>`SELECT position FROM events WHERE mac LIKE ${`${key.kid}:%`} LIMIT 1`;
    if (signed)
      throw new EventKeyError(
        `events signed by key ${key.kid} exist (position ${Number(signed.position)}) but its row in event_keys is gone: it was removed around Palisade; refusing to trust the log`,
      );
    // The sequence, not max(position): an append in flight elsewhere already holds a position.
    const [seq] = await tx.query<{ last_value: bigint; is_called: boolean }[]>`SELECT last_value, is_called FROM events_position_seq`;
    const since = seq?.is_called ? Number(seq.last_value) : 0;
    await tx.execute`INSERT INTO event_keys (kid, since_position, mac) VALUES (${key.kid}, ${since}, ${key.signIntroduction(since)})`;
    key.legacyUpTo = since;
    return { legacyUpTo: since, introduced: true };
  });
}

/**
 * The read-only half of introduceEventKey, for checkers (verify) that must not write: sets where
 * the events from before the key end, when the key's row exists and carries its MAC. Otherwise
 * every event must carry a MAC, and the check says so.
 */
export async function loadEventKey(db: DbClient, key: EventKey): Promise<boolean> {
  const [row] = await db.query<{ since_position: bigint; mac: string }[]>`SELECT since_position, mac FROM event_keys WHERE kid = ${key.kid}`;
  if (!row || !key.checkIntroduction(Number(row.since_position), row.mac)) return false;
  key.legacyUpTo = Number(row.since_position);
  return true;
}
