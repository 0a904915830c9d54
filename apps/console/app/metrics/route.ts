import { gatewayUrl } from '../gateway';
import { renderConsoleMetrics } from '../../lib/metrics';

// Prometheus scrapes the console here, as it scrapes the gateway and the worker. Nothing in it is
// per user, so it needs no session; it says whether the gateway answers, so the scrape is cheap.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const gatewayUp = await fetch(new URL('/healthz', gatewayUrl()), { signal: AbortSignal.timeout(1_000) }).then(
    (r) => r.ok,
    () => false,
  );
  return new Response(renderConsoleMetrics(gatewayUp), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' } });
}
