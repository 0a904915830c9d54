import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv, serviceEnvShape, envFields } from './env.js';

const good = {
  DATABASE_URL: 'postgres://palisade:s3cret@127.0.0.1:5432/palisade',
  NATS_URL: 'nats://127.0.0.1:4222',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
};

describe('parseEnv', () => {
  it('parses valid settings and fills defaults', () => {
    const env = parseEnv('gateway', { ...serviceEnvShape, PORT: envFields.port.default(4000) }, { ...good, PORT: '8080' });
    expect(env).toEqual({ ...good, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'palisade-rollouts', LOG_LEVEL: 'info', PORT: 8080 });
  });

  it('treats an empty variable as unset', () => {
    const env = parseEnv('gateway', serviceEnvShape, { ...good, TEMPORAL_NAMESPACE: '' });
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
  });

  it('reports every bad variable by name and never echoes values', () => {
    let error: unknown;
    try {
      parseEnv('worker', serviceEnvShape, { DATABASE_URL: 'mysql://root:hunter2@db/x', NATS_URL: 'nats://ok:4222,http://bad', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'NATS_URL', 'TEMPORAL_ADDRESS']);
    expect(issues.find((i) => i.variable === 'TEMPORAL_ADDRESS')?.message).toBe('is required');
    expect(issues.find((i) => i.variable === 'DATABASE_URL')?.message).toBe('must be a postgres:// URL');
    expect((error as Error).message).toMatch(/^worker: invalid configuration: /);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('rejects a port out of range', () => {
    expect(() => parseEnv('gateway', { PORT: envFields.port }, { PORT: '70000' })).toThrow(/PORT/);
    expect(() => parseEnv('gateway', { PORT: envFields.port }, { PORT: 'eighty' })).toThrow(ConfigError);
  });

  it('accepts a host:port Temporal address only', () => {
    expect(() => parseEnv('x', { A: envFields.hostPort }, { A: 'http://127.0.0.1:7233' })).toThrow(/host:port/);
    expect(parseEnv('x', { A: envFields.hostPort, B: z.string().optional() }, { A: 'temporal.internal:7233' }).A).toBe('temporal.internal:7233');
  });
});
