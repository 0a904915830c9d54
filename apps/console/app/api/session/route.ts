import { NextResponse, type NextRequest } from 'next/server';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@palisade/api';
import { gatewayUrl } from '../../gateway';
import { cookieOptions, sameOrigin, sealSession, sessionKey, SESSION_COOKIE, SESSION_MAX_SECONDS } from '../../../lib/session';

// Sign-in: the token is checked with the gateway (whoami) and kept only in the sealed, httpOnly
// session cookie. Sign-out clears it. Both refuse a request from another origin.

const TOKEN = /^pal_[A-Za-z0-9_-]{10,200}$/;

export async function POST(request: NextRequest): Promise<NextResponse> {
  if (!sameOrigin(request)) return NextResponse.json({ error: 'sign-in must come from the console itself' }, { status: 403 });
  const body = (await request.json().catch(() => undefined)) as { token?: unknown } | undefined;
  const token = typeof body?.token === 'string' ? body.token.trim() : '';
  if (!TOKEN.test(token)) return NextResponse.json({ error: 'paste an API token (it starts with pal_)' }, { status: 400 });
  const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${gatewayUrl()}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
  let me;
  try {
    me = await client.tokens.whoami.query();
  } catch (error) {
    const refused = error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
    return NextResponse.json(
      { error: refused ? 'the gateway does not accept this token (unknown, revoked or expired)' : 'the gateway did not answer; try again shortly' },
      { status: refused ? 401 : 503 },
    );
  }
  const expiresAt = Date.now() + SESSION_MAX_SECONDS * 1000;
  const response = NextResponse.json({ actor: me.actor, role: me.role });
  response.cookies.set(
    SESSION_COOKIE,
    sealSession({ token, actor: me.actor, role: me.role, ...(me.namespaces ? { namespaces: me.namespaces } : {}), ...(me.tiers ? { tiers: me.tiers } : {}), expiresAt }, sessionKey()),
    cookieOptions(request, SESSION_MAX_SECONDS),
  );
  return response;
}

export function DELETE(request: NextRequest): NextResponse {
  if (!sameOrigin(request)) return NextResponse.json({ error: 'sign-out must come from the console itself' }, { status: 403 });
  const response = NextResponse.json({ signedOut: true });
  response.cookies.set(SESSION_COOKIE, '', cookieOptions(request, 0));
  return response;
}
