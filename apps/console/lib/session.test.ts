// The session cookie's seal: it opens to the session with the right key and not at all when
// altered, sealed with another key or expired; writes from another origin are refused.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { cookieOptions, openSession, sameOrigin, sealSession, sessionKey } from './session';

const key = randomBytes(32);
const session = { token: 'pal_abcdef012345_secret', actor: 'token:ada#abcdef012345(admin)', role: 'admin', expiresAt: Date.now() + 60_000 };

describe('session cookie', () => {
  it('opens to the session it sealed, and never shows the token in the clear', () => {
    const cookie = sealSession(session, key);
    expect(cookie).not.toContain('secret');
    expect(openSession(cookie, key)).toEqual(session);
  });

  it('opens to nothing when altered, under another key, expired, or not a cookie of ours', () => {
    const cookie = sealSession(session, key);
    const flipped = cookie.slice(0, 20) + (cookie[20] === 'A' ? 'B' : 'A') + cookie.slice(21);
    expect(openSession(flipped, key)).toBeUndefined();
    expect(openSession(cookie, randomBytes(32))).toBeUndefined();
    expect(openSession(cookie, key, session.expiresAt + 1)).toBeUndefined();
    expect(openSession('nonsense', key)).toBeUndefined();
    expect(openSession(undefined, key)).toBeUndefined();
  });

  it('takes its key from CONSOLE_SESSION_KEY, refusing one of the wrong size', () => {
    const shared = randomBytes(32);
    expect(sessionKey({ CONSOLE_SESSION_KEY: shared.toString('base64') }).equals(shared)).toBe(true);
    expect(() => sessionKey({ CONSOLE_SESSION_KEY: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
  });
});

describe('requests that change state', () => {
  const request = (method: string, headers: Record<string, string>) => ({ method, url: 'http://console.local/api/session', headers: new Headers(headers) });
  it('come from the console itself, or are refused', () => {
    expect(sameOrigin(request('POST', { origin: 'http://console.local', host: 'console.local' }))).toBe(true);
    expect(sameOrigin(request('POST', { origin: 'https://evil.example', host: 'console.local' }))).toBe(false);
    expect(sameOrigin(request('POST', { host: 'console.local' }))).toBe(false);
    expect(sameOrigin(request('POST', { 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(sameOrigin(request('GET', {}))).toBe(true);
  });
  it('set an httpOnly, SameSite=Strict cookie, Secure behind TLS', () => {
    expect(cookieOptions(request('POST', {}), 60)).toEqual({ httpOnly: true, sameSite: 'strict', secure: false, path: '/', maxAge: 60 });
    expect(cookieOptions(request('POST', { 'x-forwarded-proto': 'https' }), 60).secure).toBe(true);
  });
});
