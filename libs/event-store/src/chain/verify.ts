import { toRecordedEvent, unauthenticated, type EventRow } from '../store/read.js';
import type { Db } from '../store/types.js';
import { GENESIS, linkHash, recomputeContentHash } from './seal.js';
import { chainHead, checkAnchor, type AnchorCheck, type ChainAnchor } from './anchor.js';

export interface VerifyResult {
  ok: boolean;
  /** Events whose content and link were checked. */
  checked: number;
  /** Events appended but not sealed yet (after the last link): checked for content only. */
  unsealed: number;
  /** The first problem found, in position order. */
  broken?: { position: number; eventId?: string; problem: string };
  /** The chain's newest link: print it, keep it elsewhere, check a later verify against it. */
  head?: { position: number; hash: string };
  /** The anchor checked, when one was given. */
  anchor?: AnchorCheck;
}

/** An event joined with its link; either side may be missing when something was tampered with. */
interface Row extends Omit<EventRow, 'position' | 'id'> {
  position: bigint | null;
  id: string | null;
  chain_position: bigint | null;
  prev_hash: string | null;
  hash: string | null;
}

/**
 * Walks every event and link in position order and reports the first one that does not hold:
 * an edited event (its content no longer matches its hash), a deleted or inserted one (a link
 * that does not follow from the previous), an edited link.
 */
export async function verifyChain(db: Db, options: { batch?: number; anchor?: ChainAnchor } = {}): Promise<VerifyResult> {
  const walked = await walkChain(db, options.batch ?? 5_000);
  const head = await chainHead(db);
  const result: VerifyResult = { ...walked, ...(head ? { head } : {}) };
  if (!options.anchor) return result;
  const anchor = await checkAnchor(db, options.anchor);
  result.anchor = anchor;
  if (!anchor.ok && result.ok) {
    result.ok = false;
    result.broken = { position: options.anchor.position, problem: anchor.problem! };
  }
  return result;
}

async function walkChain(db: Db, batch: number): Promise<VerifyResult> {
  const [tip] = await db.query<{ position: bigint | null }[]>`SELECT max(position) AS position FROM event_chain`;
  const lastSealed = Number(tip?.position ?? 0);
  let after = 0;
  let prev = GENESIS;
  let checked = 0;
  let unsealed = 0;
  for (;;) {
    const rows = await db.query<Row[]>`
      SELECT e.position, e.id::text AS id, e.stream_id, e.stream_type, e.version, e.type, e.schema_version, e.payload, e.actor, e.reason,
             e.correlation_id::text AS correlation_id, e.causation_id::text AS causation_id, e.recorded_at, e.content_hash, e.mac,
             c.position AS chain_position, c.prev_hash, c.hash
      FROM events e FULL OUTER JOIN event_chain c ON c.position = e.position
      WHERE coalesce(e.position, c.position) > ${after}
      ORDER BY coalesce(e.position, c.position)
      LIMIT ${batch}`;
    if (rows.length === 0) break;
    for (const row of rows) {
      const position = Number(row.position ?? row.chain_position);
      after = position;
      if (row.position === null) return { ok: false, checked, unsealed, broken: { position, problem: `the event at position ${position} is gone: its link remains, the event was deleted` } };
      const event = toRecordedEvent({ ...row, position: row.position, id: row.id! });
      if (recomputeContentHash(event) !== event.contentHash) {
        return {
          ok: false,
          checked,
          unsealed,
          broken: {
            position,
            eventId: event.id,
            problem: `event ${event.id} (stream ${event.streamId} version ${event.version}) was changed after it was appended: its content does not match its hash`,
          },
        };
      }
      // With the writers' key: an event inserted with a recomputed content hash has no valid MAC.
      const forged = unauthenticated(db, event);
      if (forged)
        return {
          ok: false,
          checked,
          unsealed,
          broken: { position, eventId: event.id, problem: `event ${event.id} (stream ${event.streamId}, actor ${event.actor}) has ${forged}: no Palisade writer wrote it` },
        };
      if (row.chain_position === null) {
        if (position < lastSealed)
          return {
            ok: false,
            checked,
            unsealed,
            broken: { position, eventId: event.id, problem: `event ${event.id} at position ${position} is not in the chain although later events are: it was inserted behind the store's back` },
          };
        unsealed++;
        continue;
      }
      if (row.prev_hash !== prev) {
        return {
          ok: false,
          checked,
          unsealed,
          broken: { position, eventId: event.id, problem: `the link at position ${position} does not follow from the previous one: an event before it was removed or its link rewritten` },
        };
      }
      if (row.hash !== linkHash(prev, position, event.contentHash)) {
        return {
          ok: false,
          checked,
          unsealed,
          broken: { position, eventId: event.id, problem: `the link at position ${position} was changed: it is not the hash of the previous link and this event` },
        };
      }
      prev = row.hash;
      checked++;
    }
  }
  return { ok: true, checked, unsealed };
}
