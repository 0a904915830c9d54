import { subjects } from '@palisade/bus';
import type { RecordedEvent } from '@palisade/event-store';

export const POSITION_HEADER = 'Palisade-Position';

/** What goes on the bus for one event: the whole recorded event, its id as the message id, its position in a header. */
export function eventMessage(event: RecordedEvent) {
  return {
    subject: subjects.event(event.streamType, event.streamId),
    id: event.id,
    data: JSON.stringify({ ...event, recordedAt: event.recordedAt.toISOString() }),
    headers: { [POSITION_HEADER]: String(event.position) },
  };
}
