import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateNats, stopProcessGroup } from '@palisade/stack';

/**
 * A nats-server of the test's own. A gateway's streams belong to its database: the relay removes
 * what is not an event of its log and verify checks its log against the newest anchor, so two
 * platforms must never share one JetStream, and test files with a database each get a server each.
 * It runs in operator mode as the stack's does; `authFile` holds its keys (NATS_AUTH_FILE).
 */
export async function privateNats(name: string): Promise<{ url: string; authFile: string; stop: () => Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), `palisade-${name}-nats-`));
  const record = await startPrivateNats({ root, log: () => undefined });
  return {
    url: record.url,
    authFile: record.details['authFile']!,
    stop: async () => {
      await stopProcessGroup(record.pid!, 5_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
