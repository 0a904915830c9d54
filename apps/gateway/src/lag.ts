import type { ReaderLag } from '@palisade/event-store';
import type { RelayStatus } from '@palisade/outbox';
import type { Background, LoopName } from './background.js';
import type { Gauge } from './metrics.js';

const LOOPS: LoopName[] = ['sealer', 'projection', 'outbox', 'snapshotter'];
/** The snapshotter is not a reader of every position: it is behind when a snapshot it owes is late. */
const PASSED: Record<LoopName, string> = {
  sealer: 'the sealer has not passed yet',
  projection: 'the projection has not passed yet',
  outbox: 'the outbox has not passed yet',
  snapshotter: 'past the position at which the next resource snapshot was due',
};

/**
 * The background loops' lag, sampled every few seconds (so /metrics costs no query), and the
 * outbox's readiness: events committed but not published for longer than allowed make the gateway
 * unready, because consumers of the stream (agents, rollouts) are then acting on old news.
 */
export function watchLag(background: Background, options: { everyMs?: number; maxOutboxLagSeconds: number; onError?: (error: unknown) => void }) {
  let sample: { at: number; lag: Record<LoopName, ReaderLag> } | undefined;
  const take = async () => {
    try {
      sample = { at: Date.now(), lag: await background.lag() };
    } catch (error) {
      options.onError?.(error);
    }
  };
  const timer = setInterval(() => void take(), options.everyMs ?? 5_000);
  timer.unref();
  void take();

  const ageSeconds = (lag: ReaderLag) => (lag.oldestPendingAt ? Math.max(0, (Date.now() - lag.oldestPendingAt.getTime()) / 1000) : 0);

  return {
    stop: () => clearInterval(timer),
    gauges: (): Record<string, Gauge> => {
      const out: Record<string, Gauge> = {};
      const relay: RelayStatus = background.relay;
      if (sample) {
        for (const loop of LOOPS) {
          const lag = sample.lag[loop];
          out[`palisade_${loop}_lag_positions`] = { help: `Committed log positions ${PASSED[loop]}.`, value: lag.behind };
          out[`palisade_${loop}_lag_seconds`] = { help: `Age of the oldest event ${PASSED[loop]} (0: caught up).`, value: ageSeconds(lag) };
        }
        out['palisade_lag_sample_age_seconds'] = { help: 'Seconds since the lag gauges were sampled.', value: (Date.now() - sample.at) / 1000 };
      }
      const desired = background.desired;
      out['palisade_desired_lag_positions'] = {
        help: 'Committed log positions not yet read for desired releases to publish to agents.',
        value: Math.max(0, background.horizonLatest() - desired.position),
      };
      out['palisade_outbox_relay_active'] = { help: '1 while this process holds the relay lock and publishes; 0 on standby or while retrying.', value: relay.state === 'publishing' ? 1 : 0 };
      out['palisade_outbox_foreign_messages_removed_total'] = {
        help: 'Messages on the events stream that were not events of the log, removed by the relay.',
        value: relay.foreignRemoved,
        type: 'counter',
      };
      out['palisade_outbox_repairs_total'] = { help: 'Times the relay found the stream and its checkpoint disagreeing, and corrected the checkpoint.', value: relay.repairs, type: 'counter' };
      return out;
    },
    /** The outbox readiness check: what it says when up, throws when the outbox is stuck. */
    outboxCheck: async (): Promise<string> => {
      const outbox = await background.outboxLag();
      const relay = background.relay;
      const age = ageSeconds(outbox);
      const here =
        relay.state === 'publishing'
          ? 'publishing from this gateway'
          : relay.state === 'standby'
            ? 'another gateway publishes'
            : `relay ${relay.state}${relay.lastError ? `: ${relay.lastError}` : ''}`;
      const foreign = relay.foreignRemoved > 0 ? `; ${relay.foreignRemoved} foreign message(s) removed from the stream` : '';
      if (age > options.maxOutboxLagSeconds)
        throw new Error(`${outbox.behind} position(s) committed but not published to NATS, the oldest for ${Math.round(age)} s (limit ${options.maxOutboxLagSeconds} s); ${here}${foreign}`);
      return `published up to position ${outbox.checkpoint}, ${outbox.behind} behind; ${here}${foreign}`;
    },
  };
}
