// Tracing off (no OTEL_TRACES_EXPORTER): nothing is recorded, and nothing is carried onward.
import { describe, expect, it } from 'vitest';
import { activeTraceparent, inSpan, traceHeaders } from './spans.js';
import { startTracing } from './tracing.js';

describe('tracing off by default', () => {
  it('records no span and carries no trace header', async () => {
    const tracing = startTracing('palisade-test', { env: {} });
    expect(tracing.enabled).toBe(false);
    expect(tracing.config.exporter).toBe('none');
    const seen = await inSpan('work', {}, async (span) => ({ recording: span.isRecording(), traceparent: activeTraceparent(), headers: traceHeaders() }));
    expect(seen).toEqual({ recording: false, traceparent: undefined, headers: {} });
    await expect(tracing.flush()).resolves.toBeUndefined();
  });
});
