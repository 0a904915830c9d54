import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * OTEL_TRACES_EXPORTER=console: one JSON line per finished span on stderr. Not the SDK's console
 * exporter, which writes multi-line objects to stdout, where a command's `-o json` output goes.
 */
export class StderrSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const context = span.spanContext();
      this.write(
        JSON.stringify({
          span: span.name,
          service: span.resource.attributes['service.name'],
          traceId: context.traceId,
          spanId: context.spanId,
          parentSpanId: span.parentSpanId,
          kind: span.kind,
          ms: Math.round(hrTimeToMilliseconds(span.duration) * 1000) / 1000,
          status: span.status.code,
          ...(span.status.message ? { error: span.status.message } : {}),
          attributes: span.attributes,
        }) + '\n',
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
