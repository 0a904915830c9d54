import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeSubjectToken, ensureStream, streams } from '@palisade/bus';
import { FlowBatch, type FlowRecord } from '@palisade/contracts';
import type { DbClient } from '@palisade/event-store';
import { dropExpiredFlows, insertFlows } from '@palisade/flow-store';
import type { Logger } from 'pino';

export const FLOW_CONSUMER = 'flow-ingest';

export interface FlowIngestStatus {
  stored: number;
  duplicates: number;
  refused: number;
  /** Batches waiting in JetStream when last looked at. */
  pending: number;
  /** When a fetch last came back (empty or not): the loop is alive. */
  lastPollAt: number;
}

/**
 * Flow logs from JetStream into PostgreSQL. A durable pull consumer on PALISADE_FLOWS: each fetch
 * of batches is checked (the subject names the node that published it, and every record must be
 * that node's), stored in one transaction, and only then acked, so a crash repeats a batch rather
 * than losing it; the store's record ids remove the repeat. A malformed or forged batch is
 * terminated and counted, never retried. Retention drops whole day partitions hourly.
 */
export function startFlowIngest(nc: NatsConnection, db: DbClient, log: Logger, options: { retentionDays: number; batchSize?: number }) {
  const status: FlowIngestStatus = { stored: 0, duplicates: 0, refused: 0, pending: 0, lastPollAt: Date.now() };
  const abort = new AbortController();
  const knownDays = new Set<string>();

  const check = (msg: JsMsg): FlowRecord[] | string => {
    const [, , clusterToken, nodeToken] = msg.subject.split('.');
    let body: unknown;
    try {
      body = msg.json();
    } catch {
      return 'not JSON';
    }
    const parsed = FlowBatch.safeParse(body);
    if (!parsed.success) return `not a flow batch: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
    const cluster = decodeSubjectToken(clusterToken ?? '');
    const node = decodeSubjectToken(nodeToken ?? '');
    if (parsed.data.cluster !== cluster || parsed.data.node !== node || parsed.data.records.some((r) => r.cluster !== cluster || r.node !== node))
      return `published on ${msg.subject} but names another cluster or node`;
    return parsed.data.records;
  };

  const loop = async () => {
    for (let delay = 500; !abort.signal.aborted;) {
      try {
        await ensureStream(nc, streams.flows);
        const jsm = await jetstreamManager(nc);
        await jsm.consumers.add(streams.flows.name, {
          durable_name: FLOW_CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 60_000_000_000,
          max_ack_pending: 10_000,
        });
        const consumer = await jetstream(nc).consumers.get(streams.flows.name, FLOW_CONSUMER);
        delay = 500;
        while (!abort.signal.aborted) {
          const messages = await consumer.fetch({ max_messages: options.batchSize ?? 200, expires: 2_000 });
          const batch: JsMsg[] = [];
          for await (const m of messages) batch.push(m);
          status.lastPollAt = Date.now();
          if (!batch.length) {
            status.pending = (await consumer.info(true).catch(() => undefined))?.num_pending ?? status.pending;
            continue;
          }
          const good: JsMsg[] = [];
          const records: FlowRecord[] = [];
          for (const m of batch) {
            const checked = check(m);
            if (typeof checked === 'string') {
              status.refused++;
              log.warn({ subject: m.subject, problem: checked }, 'refused a flow batch');
              m.term();
            } else {
              good.push(m);
              records.push(...checked);
            }
          }
          const stored = await db.transaction((tx) => insertFlows(tx, records, knownDays));
          status.stored += stored;
          status.duplicates += records.length - stored;
          for (const m of good) m.ack();
          status.pending = batch.at(-1)?.info.pending ?? 0;
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        log.warn({ err: error }, `flow ingest failed; retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  };

  const retention = setInterval(
    () =>
      void dropExpiredFlows(db, options.retentionDays).then(
        (n) => n && log.info({ dropped: n, retentionDays: options.retentionDays }, 'dropped expired flow partitions'),
        (error: unknown) => log.warn({ err: error }, 'could not drop expired flow partitions'),
      ),
    3_600_000,
  );
  retention.unref();
  const done = loop();
  return {
    status,
    /** Seconds since the loop last heard from JetStream (0 while it polls): its lag, with `pending`. */
    lagSeconds: () => Math.max(0, (Date.now() - status.lastPollAt) / 1000 - 5),
    stop: async () => {
      abort.abort();
      clearInterval(retention);
      await done;
    },
  };
}
