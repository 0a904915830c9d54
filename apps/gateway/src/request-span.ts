import type { IncomingMessage, ServerResponse } from 'node:http';
import { contextFromHeaders, SpanKind, SpanStatusCode, startSpan, type Context } from '@palisade/telemetry';

/**
 * A server span for one API request, continuing the caller's trace (its traceparent header) and
 * ended when the response is sent or the connection drops. Returns the context to run the request
 * in, so what the procedure starts (a rollout's workflow) joins the same trace. Named by route,
 * never by the raw path: query strings carry inputs.
 */
export function traceRequest(req: IncomingMessage, res: ServerResponse, route: string, requestId: string): Context {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const { span, context } = startSpan(`${req.method ?? 'GET'} ${route}`, {
    kind: SpanKind.SERVER,
    parent: contextFromHeaders(header),
    attributes: { 'http.request.method': req.method ?? 'GET', 'http.route': route, 'palisade.request_id': requestId },
  });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.statusCode}` });
    span.end();
  };
  res.on('finish', end);
  res.on('close', end);
  return context;
}
