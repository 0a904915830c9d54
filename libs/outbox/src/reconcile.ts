import type { NatsConnection } from '@nats-io/transport-node';
import { deleteStreamMessage, streams, streamTail, type StreamTail } from '@palisade/bus';
import { readCheckpoint, readEventById, setCheckpoint, type Tx } from '@palisade/event-store';
import { eventMessage, POSITION_HEADER } from './message.js';
import type { RelayStatus } from './status.js';

export const RELAY_CHECKPOINT = 'outbox-relay';
/** Past this many foreign messages in a row the relay stops and says so: something is publishing on purpose. */
const MAX_FOREIGN = 1_000;

/** Why a message on the events stream is not one the relay wrote, or undefined when it is. */
async function foreignReason(tx: Tx, tail: StreamTail): Promise<string | undefined> {
  if (!tail.id) return 'it has no message id';
  const event = await readEventById(tx, tail.id);
  if (!event) return `no event in the log has its id ${tail.id}`;
  const expected = eventMessage(event);
  if (tail.headers[POSITION_HEADER] !== expected.headers[POSITION_HEADER]) return `its ${POSITION_HEADER} header says ${tail.headers[POSITION_HEADER]}, the log says ${event.position}`;
  if (tail.subject !== expected.subject) return `its subject is ${tail.subject}, the event's is ${expected.subject}`;
  if (tail.data !== expected.data) return `its body differs from event ${event.id} at position ${event.position}`;
  return undefined;
}

/**
 * Makes the relay's checkpoint in PostgreSQL (its own record of progress, which nothing on the bus
 * can move) agree with the stream, trusting neither blindly. Runs under the relay's lock, when a
 * relay takes over and after any publishing error. The stream's last message must be an event of
 * the log, byte for byte: one that is not (published by someone else) is reported and removed, and
 * the one before it is looked at. Then:
 * - the stream ends past the checkpoint: those events were published just before a crash, before
 *   the checkpoint was written; the checkpoint moves up to them (they are proven to be ours);
 * - the stream ends before the checkpoint: the stream lost messages (a server restored or lost
 *   its unsynced tail); the checkpoint moves back so they are published again;
 * - the stream is empty: it was purged or is new; publishing resumes after the checkpoint.
 * Returns the id of the stream's last message, which the next publish names as its predecessor
 * (none after a removal: JetStream still remembers the removed message's id as the last one).
 */
export async function reconcile(tx: Tx, nc: NatsConnection, status: RelayStatus, log: (line: string) => void): Promise<{ checkpoint: number; lastId: string | undefined }> {
  const checkpoint = await readCheckpoint(tx, RELAY_CHECKPOINT);
  for (let removed = 0; ; removed++) {
    const tail = await streamTail(nc, streams.events.name);
    if (tail.messages === 0) {
      if (checkpoint > 0) log(`outbox relay: the events stream is empty while its checkpoint is at position ${checkpoint}; resuming after it (the stream was purged or replaced)`);
      return { checkpoint, lastId: undefined };
    }
    const reason = await foreignReason(tx, tail);
    if (reason === undefined) {
      const position = Number(tail.headers[POSITION_HEADER]);
      if (position !== checkpoint) {
        status.repairs++;
        log(
          position > checkpoint
            ? `outbox relay: the stream holds events up to position ${position}, past the checkpoint ${checkpoint} (published before a crash); moving the checkpoint to ${position}`
            : `outbox relay: the stream ends at position ${position} but the checkpoint says ${checkpoint}: the stream lost messages; publishing again from ${position}`,
        );
        await setCheckpoint(tx, RELAY_CHECKPOINT, position);
      }
      return { checkpoint: position, lastId: removed > 0 ? undefined : tail.id };
    }
    if (removed >= MAX_FOREIGN) throw new Error(`more than ${MAX_FOREIGN} messages at the end of ${streams.events.name} are not events of the log; stopping: find who can publish to ${tail.subject}`);
    status.foreignRemoved++;
    log(`outbox relay: ALERT: message ${tail.sequence} on ${tail.subject} is not an event of the log (${reason}); removing it from ${streams.events.name}`);
    await deleteStreamMessage(nc, streams.events.name, tail.sequence);
  }
}
