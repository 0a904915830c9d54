import type { Db } from '../store/types.js';

/**
 * A point of the hash chain kept outside PostgreSQL (on JetStream, and wherever an operator copies
 * it): the link hash at a position. The chain only grows, so every later state of an untampered
 * log still holds this exact link. A log that ends before it, or holds another hash there, lost
 * or rewrote events, which a chain checked only against itself cannot show (remove the newest
 * event and its link, and what is left is a valid chain).
 */
export interface ChainAnchor {
  position: number;
  hash: string;
  /** When it was taken (ISO). */
  at: string;
}

export interface AnchorCheck {
  ok: boolean;
  anchor: ChainAnchor;
  problem?: string;
}

/** The newest link of the chain, or undefined while nothing is sealed. */
export async function chainHead(db: Db): Promise<{ position: number; hash: string } | undefined> {
  const [row] = await db.query<{ position: bigint; hash: string }[]>`SELECT position, hash FROM event_chain ORDER BY position DESC LIMIT 1`;
  return row ? { position: Number(row.position), hash: row.hash } : undefined;
}

/** Whether the log still holds the anchored link. */
export async function checkAnchor(db: Db, anchor: ChainAnchor): Promise<AnchorCheck> {
  const [row] = await db.query<{ hash: string }[]>`SELECT hash FROM event_chain WHERE position = ${anchor.position}`;
  if (row?.hash === anchor.hash) return { ok: true, anchor };
  if (row) return { ok: false, anchor, problem: `the link at position ${anchor.position} is not the one anchored at ${anchor.at}: the log up to there was rewritten` };
  const head = await chainHead(db);
  return {
    ok: false,
    anchor,
    problem: `the chain ends at position ${head?.position ?? 0}, but an anchor taken at ${anchor.at} holds position ${anchor.position}: events were removed from the end of the log`,
  };
}
