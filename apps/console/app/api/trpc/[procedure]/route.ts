import { cookies } from 'next/headers';
import type { NextRequest } from 'next/server';
import { gatewayUrl } from '../../../gateway';
import { recordProxied } from '../../../../lib/metrics';
import { openSession, sameOrigin, sessionKey, SESSION_COOKIE } from '../../../../lib/session';

// The browser's way to the gateway: same origin, so the session cookie comes along and the
// console's server adds the token it seals. Queries, mutations and subscriptions (SSE) pass
// through as they are; a write from another origin is refused before it leaves the console.

const PROCEDURE = /^[A-Za-z0-9.,]{1,2000}$/;

async function forward(request: NextRequest, procedure: string): Promise<Response> {
  if (!PROCEDURE.test(procedure)) return Response.json({ error: { message: 'no such procedure' } }, { status: 404 });
  if (!sameOrigin(request)) return Response.json({ error: { message: 'requests must come from the console itself' } }, { status: 403 });
  const session = openSession((await cookies()).get(SESSION_COOKIE)?.value, sessionKey());
  const headers = new Headers({ accept: request.headers.get('accept') ?? 'application/json' });
  const type = request.headers.get('content-type');
  if (type) headers.set('content-type', type);
  if (session) headers.set('authorization', `Bearer ${session.token}`);
  const url = new URL(`/trpc/${procedure}${request.nextUrl.search}`, gatewayUrl());
  const started = performance.now();
  let upstream: Response | undefined;
  try {
    upstream = await fetch(url, {
      method: request.method,
      headers,
      ...(request.method === 'POST' ? { body: await request.text() } : {}),
      signal: request.signal,
    });
  } finally {
    recordProxied(upstream?.status, (performance.now() - started) / 1000);
  }
  const out = new Headers();
  for (const name of ['content-type', 'cache-control']) {
    const value = upstream.headers.get(name);
    if (value) out.set(name, value);
  }
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

export async function GET(request: NextRequest, context: { params: Promise<{ procedure: string }> }): Promise<Response> {
  return forward(request, (await context.params).procedure);
}

export async function POST(request: NextRequest, context: { params: Promise<{ procedure: string }> }): Promise<Response> {
  return forward(request, (await context.params).procedure);
}
