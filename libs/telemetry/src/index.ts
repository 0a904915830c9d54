export { tracingConfig, tracingWanted, TelemetryConfigError, type TracesExporter, type TracingConfig } from './config.js';
export { startTracing, currentTracing, type StartTracingOptions, type Tracing } from './tracing.js';
export {
  activeTraceparent,
  contextFromHeaders,
  contextFromTraceparent,
  inSpan,
  startSpan,
  traceHeaders,
  withContext,
  TRACEPARENT,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
  type SpanOptions,
} from './spans.js';
