import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses: `<prefix>_<pid>_<random>`, safe for SQL, NATS and Temporal. */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 't';
  return `${clean}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
