import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateNats, stopProcessGroup } from '@palisade/stack';

export interface TestNats {
  /** NATS_URL of the server, with its service user's credentials. */
  url: string;
  /** Its operator-mode keys (as NATS_AUTH_FILE names them), to issue agent users from. */
  authFile: string;
  stop(): Promise<void>;
}

/**
 * A nats-server of a test file's own (configured as the local stack configures its one), for
 * tests that stop, restart or fill it without disturbing other files' services.
 */
export async function startTestNats(name: string): Promise<TestNats> {
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
