import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { TRACEPARENT } from '@palisade/contracts';

const tracer = () => trace.getTracer('palisade');

/**
 * The traceparent of the active span, to carry in a message or a stored event; undefined when
 * nothing is being traced (tracing off, or no span active).
 */
export function activeTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const value = carrier['traceparent'];
  return value && TRACEPARENT.test(value) ? value : undefined;
}

/** The headers that carry the active trace (traceparent, and tracestate when there is one). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * The context a traceparent continues, on top of `base` (the root by default: work that arrives by
 * message or from a stored event belongs to the sender's trace, not to whatever runs here). A
 * malformed value is ignored rather than trusted.
 */
export function contextFromTraceparent(traceparent: string | undefined | null, base: Context = ROOT_CONTEXT, tracestate?: string): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return base;
  return propagation.extract(base, tracestate ? { traceparent, tracestate } : { traceparent });
}

/** Reads carried headers from anything with a get (HTTP headers, NATS headers, a plain record). */
export function contextFromHeaders(get: (name: string) => string | undefined | null, base: Context = ROOT_CONTEXT): Context {
  return contextFromTraceparent(get('traceparent'), base, get('tracestate') ?? undefined);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: a context (from contextFrom…) or the active one by default. */
  parent?: Context;
}

/**
 * Starts a span for work that ends on an event rather than when a function returns (an HTTP
 * response finishing): the caller ends it, and runs the work in `context` so it nests.
 */
export function startSpan(name: string, options: SpanOptions): { span: Span; context: Context } {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` with `ctx` active (a no-op without tracing: nothing is then kept per context). */
export const withContext = <T>(ctx: Context, fn: () => T): T => context.with(ctx, fn);

/**
 * Runs `fn` in a new span made active for everything it awaits, ending the span when `fn` settles:
 * an error is recorded on the span (and rethrown) so a failed step shows in the trace.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const { span, context: active } = startSpan(name, options);
  try {
    return await context.with(active, () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode, TRACEPARENT, type Span, type Context };
