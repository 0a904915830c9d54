// A wrong DATABASE_URL, NATS_URL or TEMPORAL_ADDRESS must stop `palisade up` within seconds with
// one line that names the dependency and the address, and start nothing.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pickPort } from '@palisade/stack';
import { testServices, uniqueName } from '@palisade/testing';
import { cleanEnv, palisade, root } from '../support/cli.js';

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

async function upWith(vars: Record<string, string>) {
  const home = join(root, '.palisade', uniqueName('e2e-bad'));
  homes.push(home);
  const result = await palisade(['up', '--detach', '--home', home], cleanEnv(vars), 60_000);
  const lines = result.stderr.trim().split('\n').filter(Boolean);
  console.log(`${Object.keys(vars).join('+')}: exit ${result.code} after ${result.ms} ms: ${lines.join(' | ')}`);
  return { ...result, lines, started: existsSync(join(home, 'state.json')) };
}

describe('palisade up with a wrong service address', () => {
  it('names PostgreSQL and the address (password masked) for a wrong DATABASE_URL', async () => {
    const port = await pickPort();
    const r = await upWith({ DATABASE_URL: `postgres://palisade:hunter2@127.0.0.1:${port}/palisade` });
    expect(r.killed).toBe(false);
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(`PostgreSQL at postgres://palisade:***@127.0.0.1:${port}/palisade (DATABASE_URL) is unreachable`);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    expect(r.started).toBe(false);
  });

  it('names NATS and the address for a wrong NATS_URL', async () => {
    const port = await pickPort();
    const r = await upWith({ NATS_URL: `nats://127.0.0.1:${port}` });
    expect(r.killed).toBe(false);
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(`NATS JetStream at nats://127.0.0.1:${port} (NATS_URL) is unreachable`);
    expect(r.started).toBe(false);
  });

  it('names Temporal and the address for a wrong TEMPORAL_ADDRESS', async () => {
    const port = await pickPort();
    const r = await upWith({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(r.killed).toBe(false);
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(`Temporal at 127.0.0.1:${port} (TEMPORAL_ADDRESS) is unreachable`);
    expect(r.started).toBe(false);
  });

  it('reports a malformed value as bad configuration (exit 2)', async () => {
    const r = await upWith({ TEMPORAL_ADDRESS: 'http://127.0.0.1:7233' });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('TEMPORAL_ADDRESS must be host:port');
  });

  it('reports the first wrong one even when the others are right', async () => {
    const s = testServices();
    const port = await pickPort();
    const r = await upWith({ DATABASE_URL: s.databaseUrl, NATS_URL: `nats://127.0.0.1:${port}`, TEMPORAL_ADDRESS: s.temporalAddress });
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('(NATS_URL) is unreachable');
  });
});
