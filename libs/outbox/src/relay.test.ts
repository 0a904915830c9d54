import { describe, expect, it } from 'vitest';
import { subjects } from '@palisade/bus';
import type { RecordedEvent } from '@palisade/event-store';
import { eventMessage, POSITION_HEADER } from './message.js';

const event: RecordedEvent = {
  position: 42,
  id: '0b7e4a56-3f59-4c1e-9d0a-5a2f1c3b4d5e',
  streamId: 'resource/NetworkPolicy/shop/web',
  streamType: 'resource',
  version: 3,
  type: 'Resource.Applied',
  schemaVersion: 1,
  payload: { key: 'NetworkPolicy/shop/web' },
  actor: 'token:dana',
  reason: null,
  correlationId: null,
  causationId: null,
  recordedAt: new Date('2026-11-29T10:00:00.000Z'),
  contentHash: 'a'.repeat(64),
  mac: null,
};

describe('the message an event becomes', () => {
  it('goes to its stream subject with the event id as message id and its position in a header', () => {
    const message = eventMessage(event);
    expect(message.subject).toBe(subjects.event('resource', event.streamId));
    expect(message.id).toBe(event.id);
    expect(message.headers).toEqual({ [POSITION_HEADER]: '42' });
    expect(JSON.parse(message.data)).toEqual({ ...event, recordedAt: '2026-11-29T10:00:00.000Z' });
  });
});
