import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { subjects } from './subjects.js';

/** The JetStream streams Palisade owns. Created or updated at start-up by `ensureStream`. */
export type StreamDefinition = Pick<StreamConfig, 'name' | 'subjects'> & Partial<StreamConfig>;

export const streams = {
  /**
   * Domain events, in event-store position order. The duplicate window is what makes the outbox
   * relay's at-least-once publishing exactly-once on the stream: the event id is the message id.
   */
  events: {
    name: 'PALISADE_EVENTS',
    subjects: [subjects.allEvents],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 0,
    duplicate_window: nanos(10 * 60_000),
    num_replicas: 1,
  },
  /**
   * Chain anchors: the newest link of the event log's hash chain, kept outside PostgreSQL, so
   * `audit verify` notices events removed from the end of the log. A year of anchors taken every
   * 10 s while the log moves is ~3 M small messages: keep the newest 100,000.
   */
  anchors: {
    name: 'PALISADE_ANCHORS',
    subjects: [subjects.chainAnchor],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs: 100_000,
    num_replicas: 1,
  },
  /**
   * Flow-log batches from agents, until the ingest consumer has stored them in PostgreSQL (work
   * queue: acked batches go). A day's worth at most, should ingest stop, so an outage of the
   * platform never fills the disk; a batch id within two minutes is stored once.
   */
  flows: {
    name: 'PALISADE_FLOWS',
    subjects: [subjects.allFlows],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(24 * 3_600_000),
    max_bytes: 2 * 1024 ** 3,
    duplicate_window: nanos(2 * 60_000),
    num_replicas: 1,
  },
} as const satisfies Record<string, StreamDefinition>;
