import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { StreamDefinition } from './streams.js';
import { streamReplicas } from './replicas.js';

/** Creates the stream, or brings an existing one's configuration in line with the definition. */
export async function ensureStream(nc: NatsConnection, stream: StreamDefinition): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc);
  const definition = { ...stream, num_replicas: streamReplicas() };
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
  /** Its subject and body ('' when the stream is empty). */
  subject: string;
  data: string;
  /** Messages the stream holds. */
  messages: number;
}

/** The stream's last message: where an ordered publisher resumes after a restart or a failure. */
export async function streamTail(nc: NatsConnection, stream: string): Promise<StreamTail> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  if (info.state.messages === 0) return { sequence: info.state.last_seq, headers: {}, subject: '', data: '', messages: 0 };
  // The last sequence stays where it was when the last messages are deleted: step back over the gap.
  let sequence = info.state.last_seq;
  let msg = await jsm.streams.getMessage(stream, { seq: sequence });
  while (!msg && sequence > info.state.first_seq) msg = await jsm.streams.getMessage(stream, { seq: --sequence });
  const hdrs: Record<string, string> = {};
  for (const [key, values] of msg?.header ?? []) hdrs[key] = values[0] ?? '';
  return {
    sequence,
    ...(hdrs['Nats-Msg-Id'] ? { id: hdrs['Nats-Msg-Id'] } : {}),
    headers: hdrs,
    subject: msg?.subject ?? '',
    data: msg ? msg.string() : '',
    messages: info.state.messages,
  };
}

/** Removes one message from a stream (erased, not only marked), e.g. one an ordered publisher did not write. */
export async function deleteStreamMessage(nc: NatsConnection, stream: string, sequence: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.deleteMessage(stream, sequence, true);
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
