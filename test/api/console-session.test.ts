// Signing in to the console: its own server checks the API token with the gateway and keeps it
// only in a sealed, httpOnly, SameSite=Strict cookie; a bad token, or a request from another
// origin, is refused; the console's /api/trpc carries the session's token to the gateway (and a
// write from another origin goes nowhere); signing out clears the cookie. The built console (`next start`) against the
// gateway's built process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { startTestConsole, type TestConsole } from '../test-support/console.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

describe('console sign-in', () => {
  let gateway: TestGateway;
  let console_: TestConsole;
  let origin = '';
  let token = '';
  const post = (body: unknown, from = origin) => fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: from }, body: JSON.stringify(body) });

  beforeAll(async () => {
    gateway = await startTestGateway('console-session');
    token = (await bootstrapAdminToken(gateway.database))!.token;
    console_ = await startTestConsole(gateway.url);
    origin = console_.origin;
  }, 120_000);

  afterAll(async () => {
    await console_?.stop();
    await gateway?.stop();
  });

  it('keeps the token in a sealed httpOnly, SameSite=Strict cookie, never in the clear', async () => {
    const response = await post({ token });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ actor: expect.stringMatching(/^token:bootstrap-admin#/), role: 'admin' });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^palisade_session=[A-Za-z0-9_-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(token);
    expect(cookie).not.toContain(token.slice(17));
  });

  it('refuses a token the gateway does not accept, a malformed one, and another origin', async () => {
    const wrong = await post({ token: token.slice(0, -4) + 'AAAA' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await post({ token: 'hello' })).status).toBe(400);
    const forged = await post({ token }, 'https://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
  });

  it('carries the session to the gateway through its own origin, and nothing without one', async () => {
    const signedIn = await post({ token });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const me = await fetch(`${origin}/api/trpc/tokens.whoami`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { result: { data: { role: string } } }).result.data.role).toBe('admin');
    expect((await fetch(`${origin}/api/trpc/tokens.whoami`)).status).toBe(401);
    // A cookie altered in the browser opens to nothing: no token goes to the gateway.
    expect((await fetch(`${origin}/api/trpc/tokens.whoami`, { headers: { cookie: cookie.slice(0, -2) + 'xx' } })).status).toBe(401);
    const forged = await fetch(`${origin}/api/trpc/clusters.register`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'evil' }),
    });
    expect(forged.status).toBe(403);
  });

  it('signs out by clearing the cookie', async () => {
    const response = await fetch(`${origin}/api/session`, { method: 'DELETE', headers: { origin } });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^palisade_session=;.*Max-Age=0/i);
  });
});
