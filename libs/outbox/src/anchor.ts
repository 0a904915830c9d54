import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStream, streams, subjects } from '@palisade/bus';
import { chainHead, sleep, type ChainAnchor, type Db } from '@palisade/event-store';
import { z } from 'zod';

const Anchor = z.object({ position: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/), at: z.iso.datetime() }).strict();

export interface AnchorOptions {
  signal: AbortSignal;
  /** How often the head is looked at (default 10 s); an anchor is published only when it moved. */
  everyMs?: number;
  log?: (line: string) => void;
  /** Called after each anchor published. */
  onAnchor?: (anchor: ChainAnchor) => void;
}

/** Publishes the chain's head to JetStream whenever it moved, until the signal aborts. */
export async function runAnchors(db: Db, nc: NatsConnection, options: AnchorOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  let ready = false;
  let last = 0;
  while (!options.signal.aborted) {
    try {
      if (!ready) {
        await ensureStream(nc, streams.anchors);
        last = (await latestAnchor(nc))?.position ?? 0;
        ready = true;
      }
      const head = await chainHead(db);
      if (head && head.position > last) {
        const anchor: ChainAnchor = { ...head, at: new Date().toISOString() };
        await jetstream(nc).publish(subjects.chainAnchor, JSON.stringify(anchor), { msgID: `anchor-${head.position}` });
        last = head.position;
        options.onAnchor?.(anchor);
      }
    } catch (error) {
      ready = false;
      log(`chain anchors: ${error instanceof Error ? error.message : String(error)}; retrying`);
    }
    await sleep(options.everyMs ?? 10_000, options.signal);
  }
}

/** The newest anchor on JetStream, or undefined when there is none yet. A malformed one is an error, not absent. */
export async function latestAnchor(nc: NatsConnection): Promise<ChainAnchor | undefined> {
  const jsm = await jetstreamManager(nc);
  let msg;
  try {
    msg = await jsm.streams.getMessage(streams.anchors.name, { last_by_subj: subjects.chainAnchor });
  } catch (error) {
    if (error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.NoMessageFound)) return undefined;
    throw error;
  }
  if (!msg) return undefined;
  const parsed = Anchor.safeParse(msg.json());
  if (!parsed.success) throw new Error(`the newest chain anchor on ${streams.anchors.name} (message ${msg.seq}) is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
