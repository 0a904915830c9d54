import type * as TelemetryModule from '@palisade/telemetry';
// The settings check alone, with no dependency: every command asks it, and only a traced run loads
// the SDK (the dynamic import below).
// eslint-disable-next-line @nx/enforce-module-boundaries -- ./config is not the lazy part of the library
import { tracingWanted } from '@palisade/telemetry/config';
import { InputError } from './errors.js';

type Telemetry = typeof TelemetryModule;

/** Commands that run until stopped: a span around one would never end (their agents trace their own work). */
const LONG_RUNNING = new Set(['agent run', 'agent simulate', 'supervise']);

let loaded: Telemetry | undefined;

export interface CommandTracing {
  /** Runs the command as the root span of its trace (or as is, for a command that runs until stopped). */
  run(fn: () => Promise<number>): Promise<number>;
  /** Sends the spans before the process exits. */
  flush(): Promise<void>;
}

/**
 * Tracing for one command when OTEL_TRACES_EXPORTER asks for it: the command is a trace's root
 * span, and each gateway call a client span whose traceparent the gateway continues. The agent
 * commands report as palisade-agent, every other as palisade-cli.
 */
export async function commandTracing(command: string, version?: string): Promise<CommandTracing | undefined> {
  if (!tracingWanted(process.env)) return undefined;
  const telemetry = await import('@palisade/telemetry');
  let tracing;
  try {
    tracing = telemetry.startTracing(command.startsWith('agent ') ? 'palisade-agent' : 'palisade-cli', version ? { version } : {});
  } catch (error) {
    if (error instanceof telemetry.TelemetryConfigError) throw new InputError(error.message);
    throw error;
  }
  loaded = telemetry;
  return {
    run: (fn) =>
      LONG_RUNNING.has(command)
        ? fn()
        : telemetry.inSpan(`palisade ${command}`, { kind: telemetry.SpanKind.CLIENT, parent: telemetry.contextFromTraceparent(undefined) }, async (span) => {
            const code = await fn();
            span.setAttribute('process.exit.code', code);
            if (code !== 0) span.setStatus({ code: telemetry.SpanStatusCode.ERROR, message: `exit code ${code}` });
            return code;
          }),
    flush: () => tracing.shutdown(),
  };
}

/**
 * A gateway call as a client span carrying its traceparent, when tracing is on; the call as is
 * otherwise. Named by the request's path (the procedure), never its query (inputs).
 */
export function tracedFetch(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, send: typeof fetch): Promise<Response> {
  const telemetry = loaded;
  if (!telemetry) return send(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  return telemetry.inSpan(`${method} ${url.pathname}`, { kind: telemetry.SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.path': url.pathname } }, async (span) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(telemetry.traceHeaders())) headers.set(name, value);
    const res = await send(input, { ...init, headers });
    span.setAttribute('http.response.status_code', res.status);
    return res;
  });
}
