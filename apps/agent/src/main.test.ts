// The agent deployable's entry point: settings from PALISADE_AGENT_* and PALISADE_AGENT_CONFIG,
// refused with the field named and exit code 2 before anything connects anywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'palisade-agent-main-'));
const main = join(import.meta.dirname, 'main.ts');
const run = (env: Record<string, string>) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PALISADE_AGENT_')));
  return spawnSync(process.execPath, ['--import', 'tsx', main], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agent entry point', () => {
  it('refuses a bad cluster name from the environment, naming the field', () => {
    const r = run({ PALISADE_AGENT_GATEWAY: 'http://127.0.0.1:9', PALISADE_AGENT_CLUSTER: 'Not_A_Label', PALISADE_AGENT_DATAPLANE: 'simulated' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cluster: must be lower-case letters, digits and/);
  });

  it('refuses a misspelt setting in the configuration file rather than ignoring it', () => {
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, 'gateway: http://127.0.0.1:9\ncluster: alpha\ndataplnae: simulated\n');
    const r = run({ PALISADE_AGENT_CONFIG: config });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(config);
    expect(r.stderr).toMatch(/dataplnae/);
  });

  it('refuses a host endpoint interface that cannot be one, naming where', () => {
    const config = join(dir, 'heps.yaml');
    writeFileSync(config, 'gateway: http://127.0.0.1:9\ncluster: alpha\nnode: n1\nhostEndpoints: {interfaces: [eth0, "not an interface"]}\n');
    const r = run({ PALISADE_AGENT_CONFIG: config });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('hostEndpoints.interfaces.1: an interface name');
  });

  it('says how to get a join token when it has neither credentials nor a token', () => {
    const r = run({
      PALISADE_AGENT_GATEWAY: 'http://127.0.0.1:9',
      PALISADE_AGENT_CLUSTER: 'alpha',
      PALISADE_AGENT_NODE: 'n1',
      PALISADE_AGENT_DATAPLANE: 'simulated',
      PALISADE_AGENT_STATE_DIR: join(dir, 'state'),
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('palisade cluster join-token alpha');
  });

  it('exits 3 when the gateway it must join through is unreachable', () => {
    writeFileSync(join(dir, 'token'), 'pal_join_000000000000_' + 'x'.repeat(43));
    const r = run({
      PALISADE_AGENT_GATEWAY: 'http://127.0.0.1:9',
      PALISADE_AGENT_CLUSTER: 'alpha',
      PALISADE_AGENT_NODE: 'n1',
      PALISADE_AGENT_DATAPLANE: 'simulated',
      PALISADE_AGENT_STATE_DIR: join(dir, 'state'),
      PALISADE_AGENT_JOIN_TOKEN_FILE: join(dir, 'token'),
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toContain('cannot reach the gateway at http://127.0.0.1:9');
  });
});
