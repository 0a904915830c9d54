import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JsMsg,
  type PubAck,
  type StreamInfo,
} from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { StreamDefinition } from './streams.js';

/** A schema as zod gives it: the bus validates what it reads at the trust boundary. */
export interface MessageSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

/** Creates the stream, or brings an existing one's configuration in line with the definition. */
export async function ensureStream(nc: NatsConnection, definition: StreamDefinition): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(definition.name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      return jsm.streams.add(definition);
    }
    throw error;
  }
  return jsm.streams.update(definition.name, definition);
}

/**
 * Publishes one JSON message and waits for JetStream to store it. `messageId` makes a retry
 * harmless: within the stream's duplicate window the second copy is dropped (`duplicate: true`).
 */
export async function publishJson(nc: NatsConnection, subject: string, payload: unknown, messageId: string, timeoutMs = 5_000): Promise<PubAck> {
  const js = jetstream(nc);
  return js.publish(subject, JSON.stringify(payload), { msgID: messageId, timeout: timeoutMs });
}

export interface DurableConsumerOptions {
  stream: string;
  /** Durable name: the consumer keeps its position across restarts. */
  name: string;
  filterSubject?: string;
  /** Redelivery after this long without an ack. */
  ackWaitMs?: number;
  maxDeliver?: number;
}

export async function ensureDurableConsumer(nc: NatsConnection, options: DurableConsumerOptions): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config: Partial<ConsumerConfig> = {
    durable_name: options.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_deliver: options.maxDeliver ?? -1,
    ...(options.filterSubject ? { filter_subject: options.filterSubject } : {}),
  };
  await jsm.consumers.add(options.stream, config);
}

export type HandlerResult = 'ack' | 'retry' | 'reject';

export interface ConsumeOptions<T> {
  stream: string;
  consumer: string;
  schema: MessageSchema<T>;
  /** Return 'ack' when done, 'retry' to have it redelivered, 'reject' to drop it for good. */
  handle: (message: T, meta: { subject: string; streamSequence: number; redelivered: boolean }) => Promise<HandlerResult>;
  /** Called for a message that is not JSON or does not match the schema; it is rejected (term). */
  onInvalid?: (subject: string, reason: string) => void;
  signal?: AbortSignal;
}

/**
 * Pull-consumes a durable consumer until `signal` aborts. Each message is parsed and validated
 * before the handler sees it; a handler that throws gets the message redelivered.
 */
export async function consumeJson<T>(nc: NatsConnection, options: ConsumeOptions<T>): Promise<void> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(options.stream, options.consumer);
  const messages = await consumer.consume({ max_messages: 100 });
  const stop = () => void messages.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const msg of messages) {
      await handleOne(msg, options);
      if (options.signal?.aborted) break;
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await messages.close();
  }
}

// term() is sent without a reason: servers before 2.10 (Debian 12 ships 2.9) do not parse
// "+TERM <reason>" and would leave the message pending forever.
async function handleOne<T>(msg: JsMsg, options: ConsumeOptions<T>): Promise<void> {
  let data: unknown;
  try {
    data = msg.json();
  } catch {
    options.onInvalid?.(msg.subject, 'not JSON');
    msg.term();
    return;
  }
  const parsed = options.schema.safeParse(data);
  if (!parsed.success) {
    options.onInvalid?.(msg.subject, parsed.error.message);
    msg.term();
    return;
  }
  let result: HandlerResult;
  try {
    result = await options.handle(parsed.data, { subject: msg.subject, streamSequence: msg.seq, redelivered: msg.redelivered });
  } catch {
    result = 'retry';
  }
  if (result === 'ack') await msg.ackAck();
  else if (result === 'retry') msg.nak();
  else msg.term();
}

export interface OrderedMessage {
  subject: string;
  data: string;
  /** The message id: JetStream drops a second copy within the duplicate window. */
  id: string;
  headers?: Record<string, string>;
}

export interface StreamTail {
  /** Stream sequence of the last message (0: the stream is empty). */
  sequence: number;
  /** Its message id (Nats-Msg-Id), when it had one. */
  id?: string;
  headers: Record<string, string>;
}

/** The stream's last message: where an ordered publisher resumes after a restart or a failure. */
export async function streamTail(nc: NatsConnection, stream: string): Promise<StreamTail> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  if (info.state.messages === 0) return { sequence: info.state.last_seq, headers: {} };
  const msg = await jsm.streams.getMessage(stream, { seq: info.state.last_seq });
  const hdrs: Record<string, string> = {};
  for (const [key, values] of msg?.header ?? []) hdrs[key] = values[0] ?? '';
  return { sequence: info.state.last_seq, ...(hdrs['Nats-Msg-Id'] ? { id: hdrs['Nats-Msg-Id'] } : {}), headers: hdrs };
}

/**
 * Publishes messages so that the stream stores them in exactly this order: each one tells
 * JetStream the id of the message that must be last before it (the first: `after`, when the
 * stream holds one of ours), so if one is lost every later one is refused rather than stored out of order.
 * Publishes are pipelined. Returns how many leading messages were stored; on a failure, the
 * caller re-reads the stream's tail and resumes from there.
 */
export async function publishInOrder(nc: NatsConnection, messages: OrderedMessage[], after: string | undefined, timeoutMs = 10_000): Promise<{ stored: number; error?: unknown }> {
  const js = jetstream(nc);
  let previous = after;
  const pending = messages.map((m) => {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(m.headers ?? {})) h.set(k, v);
    const expect = previous === undefined ? undefined : { lastMsgID: previous };
    previous = m.id;
    return js.publish(m.subject, m.data, { msgID: m.id, headers: h, timeout: timeoutMs, ...(expect ? { expect } : {}) });
  });
  const results = await Promise.allSettled(pending);
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed === -1) return { stored: messages.length };
  return { stored: failed, error: (results[failed] as PromiseRejectedResult).reason };
}
