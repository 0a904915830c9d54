import { describe, expect, it } from 'vitest';
import { TelemetryConfigError, tracingConfig, tracingWanted } from './config.js';

describe('tracingConfig', () => {
  it('is off by default and sends to a local collector when turned on', () => {
    expect(tracingConfig('palisade-gateway', {})).toEqual({ exporter: 'none', endpoint: 'http://localhost:4318/v1/traces', serviceName: 'palisade-gateway' });
    expect(tracingWanted({})).toBe(false);
    expect(tracingConfig('palisade-gateway', { OTEL_TRACES_EXPORTER: 'OTLP', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      exporter: 'otlp',
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'palisade-gateway',
    });
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
  });

  it('takes the traces endpoint as given, the service name from OTEL_SERVICE_NAME, and OTEL_SDK_DISABLED over all', () => {
    const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces', OTEL_SERVICE_NAME: 'gw-eu' };
    expect(tracingConfig('palisade-gateway', env)).toEqual({ exporter: 'otlp', endpoint: 'https://b/traces', serviceName: 'gw-eu' });
    expect(tracingConfig('x', { ...env, OTEL_SDK_DISABLED: 'true' }).exporter).toBe('none');
    expect(tracingWanted({ ...env, OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
  });

  it('names the variable and the problem for a setting it cannot use', () => {
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        tracingConfig('x', env);
      } catch (error) {
        expect(error).toBeInstanceOf(TelemetryConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ OTEL_TRACES_EXPORTER: 'jaeger' })).toBe('OTEL_TRACES_EXPORTER: "jaeger" is not one of none, otlp, console');
    expect(refused({ OTEL_TRACES_EXPORTER: 'otlp,console' })).toBe('OTEL_TRACES_EXPORTER: "otlp,console": name one exporter (none, otlp, console)');
    expect(refused({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBe('OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" must be an http or https URL');
    expect(refused({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toBe('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "not a url" is not a URL (expected e.g. http://collector:4318)');
  });
});
