// One process's tracing with its spans collected in memory: nesting through awaits, the
// traceparent a message carries, a trace continued from one, and a failure on its span.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeTraceparent, contextFromHeaders, contextFromTraceparent, inSpan, SpanKind, SpanStatusCode, TRACEPARENT } from './spans.js';
import { startTracing } from './tracing.js';

const exporter = new InMemorySpanExporter();
const byName = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;

describe('spans', () => {
  beforeAll(() => {
    const tracing = startTracing('palisade-test', { exporter, version: '1.2.3', env: { OTEL_TRACES_EXPORTER: 'none' } });
    expect(tracing.enabled).toBe(true);
    expect(tracing.resource.attributes['service.name']).toBe('palisade-test');
  });

  it('has no traceparent outside a span', () => {
    expect(activeTraceparent()).toBeUndefined();
  });

  it('nests a span started inside another, across awaits, and carries its traceparent', async () => {
    let carried: string | undefined;
    await inSpan('outer', { kind: SpanKind.SERVER, attributes: { 'palisade.cluster': 'staging' } }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      await inSpan('inner', {}, async () => {
        await Promise.resolve();
        carried = activeTraceparent();
      });
    });
    const outer = byName('outer');
    const inner = byName('inner');
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.parentSpanId).toBe(outer.spanContext().spanId);
    expect(outer.parentSpanId).toBeUndefined();
    expect(outer.kind).toBe(SpanKind.SERVER);
    expect(outer.attributes['palisade.cluster']).toBe('staging');
    expect(carried).toMatch(TRACEPARENT);
    expect(carried).toBe(`00-${inner.spanContext().traceId}-${inner.spanContext().spanId}-01`);
  });

  it('continues a carried trace in another span, and ignores a malformed one', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await inSpan('continued', { parent: contextFromTraceparent(traceparent) }, async () => undefined);
    await inSpan('from headers', { parent: contextFromHeaders((name) => ({ traceparent })[name]) }, async () => undefined);
    await inSpan('fresh', { parent: contextFromTraceparent('00-xyz-b7ad6b7169203331-01') }, async () => undefined);
    for (const name of ['continued', 'from headers']) {
      expect(byName(name).spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(byName(name).parentSpanId).toBe('b7ad6b7169203331');
    }
    expect(byName('fresh').spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(byName('fresh').parentSpanId).toBeUndefined();
  });

  it('records a failure on its span and rethrows it', async () => {
    await expect(inSpan('failing', {}, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const span = byName('failing');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'refused' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });
});
