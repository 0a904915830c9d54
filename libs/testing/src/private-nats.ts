import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateNats, stopProcessGroup } from '@palisade/stack';

export interface TestNats {
  /** NATS_URL of the server, with its service user's credentials. */
  url: string;
  /** Its operator-mode keys (as NATS_AUTH_FILE names them), to issue agent users from. */
  authFile: string;
  /** Stops the server (its clients see it go away) without removing its state. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same keys and JetStream store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A nats-server of a test file's own (configured as the local stack configures its one), for
 * tests that stop, restart or fill it without disturbing other files' services.
 */
export async function startTestNats(name: string): Promise<TestNats> {
  const root = mkdtempSync(join(tmpdir(), `palisade-${name}-nats-`));
  let record = await startPrivateNats({ root, log: () => undefined });
  const port = Number(record.listen!.split(':')[1]);
  let running = true;
  return {
    url: record.url,
    authFile: record.details['authFile']!,
    kill: async () => {
      if (running) await stopProcessGroup(record.pid!, 5_000);
      running = false;
    },
    restart: async () => {
      if (running) await stopProcessGroup(record.pid!, 5_000);
      record = await startPrivateNats({ root, log: () => undefined, preferredPort: port });
      if (Number(record.listen!.split(':')[1]) !== port) throw new Error(`nats-server came back on port ${record.listen}, not ${port}: the port was taken meanwhile`);
      running = true;
    },
    stop: async () => {
      if (running) await stopProcessGroup(record.pid!, 5_000);
      running = false;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
