/** What the relay is doing, for metrics and readiness: updated in place as it runs. */
export interface RelayStatus {
  /**
   * standby: another process holds the relay's lock; publishing: it has the lock and works;
   * retrying: its last round failed (NATS or PostgreSQL away) and it waits to try again.
   */
  state: 'starting' | 'standby' | 'publishing' | 'retrying' | 'stopped';
  /** The checkpoint as this relay last saw it (0 before its first round). */
  publishedUpTo: number;
  /** Messages found on the events stream that the log does not hold, and removed. */
  foreignRemoved: number;
  /** Times the stream and the checkpoint disagreed and the checkpoint was corrected. */
  repairs: number;
  lastError: string | null;
  /** Date.now() of the last round that ended without error (0: none yet). */
  lastRoundAt: number;
}

export function newRelayStatus(): RelayStatus {
  return { state: 'starting', publishedUpTo: 0, foreignRemoved: 0, repairs: 0, lastError: null, lastRoundAt: 0 };
}
