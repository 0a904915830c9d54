import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// The console's session: the API token a person signed in with, sealed (AES-256-GCM) into an
// httpOnly cookie by the console's server. Browser JavaScript never sees the token, and a cookie
// that was altered or has expired opens to nothing.

export const SESSION_COOKIE = 'palisade_session';
/** Longest a session lasts, whatever the token's own expiry. */
export const SESSION_MAX_SECONDS = 12 * 3600;
const AAD = Buffer.from('palisade-console-session-v1');

export interface Session {
  token: string;
  actor: string;
  role: string;
  /** Developers: the namespaces and tiers they may write in (for the UI; the gateway decides). */
  namespaces?: string[];
  tiers?: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

// Next bundles route handlers and pages separately, each with its own copy of this module: the
// process's key lives on globalThis so that a cookie one seals, the other opens.
const PROCESS_KEY = Symbol.for('palisade.console.sessionKey');
const holder = globalThis as { [PROCESS_KEY]?: Buffer };

/**
 * CONSOLE_SESSION_KEY (32 bytes, base64), shared by every console instance; without it a key of
 * this process's own (sessions then end when it restarts).
 */
export function sessionKey(env: Record<string, string | undefined> = process.env): Buffer {
  const text = env['CONSOLE_SESSION_KEY'];
  if (text) {
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error('CONSOLE_SESSION_KEY must be 32 bytes, base64-encoded');
    return key;
  }
  holder[PROCESS_KEY] ??= randomBytes(32);
  return holder[PROCESS_KEY];
}

export function sealSession(session: Session, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The session in a cookie, or undefined when it is missing, altered, sealed with another key, or expired. */
export function openSession(cookie: string | undefined, key: Buffer, now = Date.now()): Session | undefined {
  if (!cookie || cookie.length > 8_192) return undefined;
  try {
    const raw = Buffer.from(cookie, 'base64url');
    if (raw.length < 12 + 16 + 2) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    const session = JSON.parse(text) as Session;
    if (typeof session.token !== 'string' || typeof session.expiresAt !== 'number' || session.expiresAt <= now) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

/**
 * Whether a state-changing request comes from the console's own pages: its Origin (which browsers
 * send on every cross-site and same-site POST) must be the console's. With SameSite=Strict
 * cookies this closes cross-site request forgery.
 */
export function sameOrigin(request: { method: string; headers: { get(name: string): string | null }; url: string }): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  const origin = request.headers.get('origin');
  if (!origin) return request.headers.get('sec-fetch-site') === 'same-origin';
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  try {
    return new URL(origin).host === (host ?? new URL(request.url).host);
  } catch {
    return false;
  }
}

/** Cookie attributes: Secure when the console is served over TLS (directly or behind a proxy). */
export function cookieOptions(request: { headers: { get(name: string): string | null }; url: string }, maxAgeSeconds: number) {
  const secure = (request.headers.get('x-forwarded-proto') ?? new URL(request.url).protocol.replace(':', '')) === 'https';
  return { httpOnly: true, sameSite: 'strict' as const, secure, path: '/', maxAge: Math.max(0, Math.floor(maxAgeSeconds)) };
}
