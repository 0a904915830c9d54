import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { StderrSpanExporter } from './stderr-exporter.js';

describe('the console exporter', () => {
  it('writes one JSON line per span, with its ids, duration and failure', () => {
    const lines: string[] = [];
    const provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': 'palisade-cli' }), spanProcessors: [new SimpleSpanProcessor(new StderrSpanExporter((l) => lines.push(l)))] });
    const tracer = provider.getTracer('test');
    const parent = tracer.startSpan('palisade apply');
    const child = tracer.startSpan('POST /trpc/resources.apply', { attributes: { 'http.response.status_code': 500 } }, undefined);
    child.setStatus({ code: 2, message: 'HTTP 500' });
    child.end();
    parent.end();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ span: 'POST /trpc/resources.apply', service: 'palisade-cli', status: 2, error: 'HTTP 500', attributes: { 'http.response.status_code': 500 } });
    expect(second).toMatchObject({ span: 'palisade apply', traceId: parent.spanContext().traceId, spanId: parent.spanContext().spanId, status: 0 });
    expect(second!['ms']).toEqual(expect.any(Number));
  });
});
