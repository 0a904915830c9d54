import { createHash } from 'node:crypto';
import type { AgentIssuerPort } from '@palisade/api';
import { revokedAgentKeys } from '@palisade/domain';
import type { DbClient } from '@palisade/event-store';
import type { Logger } from 'pino';

/**
 * Keeps NATS's copy of the revocation list equal to the store's: pushed at start-up (a restarted
 * nats-server comes back with its preloaded account, which revokes nobody), whenever the list
 * changed since the last push that landed, and again after a failure. Reports how long the list
 * has been out of step as its lag.
 */
export function syncRevocations(db: DbClient, issuer: AgentIssuerPort & { enforced: boolean }, log: Logger, everyMs = 15_000): { stop(): void; lagSeconds(): number } {
  let landed: string | undefined;
  let pushedAt = 0;
  let outOfStepSince: number | undefined = Date.now();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const revoked = await revokedAgentKeys(db);
      const digest = createHash('sha256').update(JSON.stringify(revoked)).digest('hex');
      // Re-pushed every few minutes even when unchanged: a nats-server that lost its resolver directory forgot it.
      if (digest !== landed || Date.now() - pushedAt > 300_000) {
        await issuer.publishRevocations(revoked);
        landed = digest;
        pushedAt = Date.now();
      }
      outOfStepSince = undefined;
    } catch (error) {
      outOfStepSince ??= Date.now();
      log.warn({ err: error }, 'cannot push the agent revocation list to NATS yet; retrying');
    }
    if (!stopped) timer = setTimeout(() => void tick(), everyMs);
  };
  if (issuer.enforced) void tick();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    lagSeconds: () => (outOfStepSince === undefined ? 0 : (Date.now() - outOfStepSince) / 1000),
  };
}
