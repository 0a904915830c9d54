import type { DbClient, DbTx } from '../sql/client.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An event as a writer gives it. */
export interface NewEvent {
  /** Client-supplied UUID: sending the same event again is recognised and not stored twice. */
  id: string;
  type: string;
  /** Version of the payload's shape, for upcasting later (default 1). */
  schemaVersion?: number;
  payload: JsonValue;
  /** Who: a user, a service account, `system:<component>`. */
  actor: string;
  /** Why, in the actor's words. */
  reason?: string;
  /** The request or workflow that caused it, shared by every event it caused. */
  correlationId?: string;
  /** The event (id) that caused this one. */
  causationId?: string;
}

/** An event as stored. */
export interface RecordedEvent {
  /** Global order: gaps are possible (rolled-back appends), reordering is not. */
  position: number;
  id: string;
  streamId: string;
  streamType: string;
  /** 1-based, gap-free within the stream. */
  version: number;
  type: string;
  schemaVersion: number;
  payload: JsonValue;
  actor: string;
  reason: string | null;
  correlationId: string | null;
  causationId: string | null;
  recordedAt: Date;
  /** SHA-256 of the canonical content (everything above but the position). */
  contentHash: string;
  /** The writer's MAC of the content hash ("<key id>:<hex>"); null for events from before the log had a key. */
  mac: string | null;
}

/** `number`: the stream must be at exactly this version (0: it must not exist yet); `any`: no check. */
export type ExpectedVersion = number | 'any';

export interface AppendRequest {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after the append. */
  version: number;
  /** Positions of the appended events, in order. */
  positions: number[];
  /** True when every event had been appended before (a retried request): nothing new was written. */
  duplicate: boolean;
}

export type Db = DbClient;
export type Tx = DbTx;
