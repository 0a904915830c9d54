import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingConfig, type TracingConfig } from './config.js';
import { StderrSpanExporter } from './stderr-exporter.js';

export interface Tracing {
  readonly config: TracingConfig;
  readonly enabled: boolean;
  /** Where finished spans go; a no-op when tracing is off (Temporal's workflow sink takes it either way). */
  readonly processor: SpanProcessor;
  readonly resource: Resource;
  /** Sends what is buffered (a short-lived process calls it before it exits). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  env?: NodeJS.ProcessEnv;
  version?: string;
  /** Spans go here instead of the configured exporter (tests collect them in memory). */
  exporter?: SpanExporter;
}

let started: Tracing | undefined;

/**
 * Sets up tracing for this process from its environment, once: the global tracer provider, the
 * W3C trace-context propagator and an AsyncLocalStorage context manager, so a span started in a
 * request handler is the parent of everything that request's async work does. When tracing is off
 * nothing is registered: the OpenTelemetry API stays the no-op it is by default, and no trace
 * header is sent or stored.
 */
export function startTracing(service: string, options: StartTracingOptions = {}): Tracing {
  if (started) return started;
  const config = tracingConfig(service, options.env);
  const resource = new Resource({ 'service.name': config.serviceName, ...(options.version ? { 'service.version': options.version } : {}) });
  const exporter: SpanExporter | undefined =
    options.exporter ?? (config.exporter === 'otlp' ? new OTLPTraceExporter({ url: config.endpoint }) : config.exporter === 'console' ? new StderrSpanExporter() : undefined);
  // Batches keep exporting off the request path; the console exporter is for a person watching.
  const processor: SpanProcessor = !exporter ? new NoopSpanProcessor() : config.exporter === 'console' || options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const enabled = !!exporter;
  if (enabled) {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  }
  started = {
    config,
    enabled,
    processor,
    resource,
    flush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
  return started;
}

/** The process's tracing, if started. */
export const currentTracing = (): Tracing | undefined => started;
