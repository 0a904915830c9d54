import { randomUUID } from 'node:crypto';
import type { JsonValue, NewEvent } from '@palisade/event-store';

/** Who is changing things, and why: recorded on every event. */
export interface ChangeMeta {
  actor: string;
  reason?: string;
  /** Ties together every event one request caused (generated when absent). */
  correlationId?: string;
}

/** A new event of one change: the actor, reason and correlation id every event of the change shares. */
export function event(type: string, payload: object, meta: ChangeMeta, correlationId: string): NewEvent {
  return { id: randomUUID(), type, payload: payload as JsonValue, actor: meta.actor, ...(meta.reason !== undefined ? { reason: meta.reason } : {}), correlationId };
}
