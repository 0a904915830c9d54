import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The login the gateway uses on a stack's own PostgreSQL: a member of the application role, nothing more. */
export const APP_LOGIN = 'palisade_gateway';

function secretFile(home: string, name: string, make: () => string): string {
  const file = join(home, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(home, { recursive: true });
  const value = make();
  // Readable by the stack's owner only, like the database's own password file.
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return value;
}

/**
 * The writers' key of a stack (base64, 32 bytes), made on first use and kept in the stack home,
 * outside the database: the gateway signs every event with it, and `audit verify` checks with it.
 */
export function stackEventKey(home: string): string {
  return secretFile(home, 'event.key', () => randomBytes(32).toString('base64'));
}

/** The key the console seals its session cookies with: kept, so a restarted console keeps everyone signed in. */
export function stackConsoleSessionKey(home: string): string {
  return secretFile(home, 'console-session.key', () => randomBytes(32).toString('base64'));
}

/** The password of the gateway's least-privileged database login on this stack. */
export function appLoginPassword(home: string): string {
  return secretFile(home, 'postgres-app.password', () => randomBytes(18).toString('base64url'));
}

/** A PostgreSQL URL with its user and password replaced: the owner's URL turned into the application login's. */
export function withLogin(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}
