/**
 * Tracing is configured the way every OpenTelemetry SDK is, from the standard environment, so an
 * operator's existing collector settings work unchanged. It is off unless an exporter is named:
 * a platform that sends data somewhere must be told to.
 */
export type TracesExporter = 'none' | 'otlp' | 'console';

export interface TracingConfig {
  exporter: TracesExporter;
  /** Where OTLP/HTTP spans go (the full URL, …/v1/traces). */
  endpoint: string;
  serviceName: string;
}

/** A setting that cannot be used, named with the variable and what was wrong with it. */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const EXPORTERS: readonly TracesExporter[] = ['none', 'otlp', 'console'];
const DEFAULT_ENDPOINT = 'http://localhost:4318';

function url(variable: string, value: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TelemetryConfigError(variable, `${JSON.stringify(value)} is not a URL (expected e.g. http://collector:4318)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TelemetryConfigError(variable, `${JSON.stringify(value)} must be an http or https URL`);
  return parsed;
}

/**
 * Reads OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (none, otlp or console; one of them),
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (…/v1/traces is
 * added), and OTEL_SERVICE_NAME (else the service's own name).
 */
export function tracingConfig(service: string, env: NodeJS.ProcessEnv = process.env): TracingConfig {
  const disabled = (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true';
  const named = (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase() || 'none';
  if (named.includes(',')) throw new TelemetryConfigError('OTEL_TRACES_EXPORTER', `${JSON.stringify(named)}: name one exporter (${EXPORTERS.join(', ')})`);
  if (!EXPORTERS.includes(named as TracesExporter)) throw new TelemetryConfigError('OTEL_TRACES_EXPORTER', `${JSON.stringify(named)} is not one of ${EXPORTERS.join(', ')}`);
  const exporter = disabled ? 'none' : (named as TracesExporter);
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  const endpoint = traces ? url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces).href : `${url('OTEL_EXPORTER_OTLP_ENDPOINT', base || DEFAULT_ENDPOINT).href.replace(/\/+$/, '')}/v1/traces`;
  return { exporter, endpoint, serviceName: env['OTEL_SERVICE_NAME']?.trim() || service };
}

/** Whether the environment turns tracing on (cheap: callers use it to skip loading the SDK). */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const named = (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase();
  return named !== '' && named !== 'none' && (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() !== 'true';
}
