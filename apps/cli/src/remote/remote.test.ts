import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTime } from '../time.js';
import { configPath, resolveRemote, writeConfig } from './config.js';
import { keyFor, resolveKind } from './kinds.js';

describe('kind names', () => {
  it('accepts type names, plurals and the short names kubectl and calicoctl users type', () => {
    expect(resolveKind('networkpolicies')).toEqual({ type: 'NetworkPolicy', namespaced: true });
    expect(resolveKind('GlobalNetworkPolicy').type).toBe('GlobalNetworkPolicy');
    expect(resolveKind('gnp').type).toBe('GlobalNetworkPolicy');
    expect(resolveKind('knp').type).toBe('KubernetesNetworkPolicy');
    expect(resolveKind('tiers')).toEqual({ type: 'Tier', namespaced: false });
    expect(resolveKind('hep').type).toBe('HostEndpoint');
    expect(resolveKind('globalnetworksets').type).toBe('GlobalNetworkSet');
  });
  it('refuses an unknown kind, listing the known ones', () => {
    expect(() => resolveKind('firewall')).toThrow(/unknown kind "firewall"; use one of: NetworkPolicy, GlobalNetworkPolicy/);
  });
  it('builds keys: namespaced kinds default to the default namespace; names cannot hold slashes', () => {
    expect(keyFor(resolveKind('np'), 'web', undefined)).toBe('NetworkPolicy/default/web');
    expect(keyFor(resolveKind('np'), 'web', 'shop')).toBe('NetworkPolicy/shop/web');
    expect(keyFor(resolveKind('gnp'), 'deny', 'shop')).toBe('GlobalNetworkPolicy/deny');
    expect(() => keyFor(resolveKind('np'), 'a/b', 'shop')).toThrow(/not a resource name/);
  });
});

describe('times', () => {
  it('reads ISO times and durations ago, and refuses anything else', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseTime('--since', '15m', now).toISOString()).toBe('2026-11-29T11:45:00.000Z');
    expect(parseTime('--since', '7d', now).toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(parseTime('--since', '2026-11-01T00:00:00Z', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseTime('--since', 'yesterday', now)).toThrow(/--since "yesterday" is neither a time/);
  });
});

describe('the login file', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-config-'));
    process.env['PALISADE_CONFIG'] = join(dir, 'sub', 'config.json');
    delete process.env['PALISADE_URL'];
    delete process.env['PALISADE_TOKEN'];
    delete process.env['PALISADE_HOME'];
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('is written readable by its owner only, and used when the environment names nothing', () => {
    const path = writeConfig({ server: 'http://127.0.0.1:4000', token: 'pal_x' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(resolveRemote()).toEqual({ url: 'http://127.0.0.1:4000', token: 'pal_x' });
    process.env['PALISADE_TOKEN'] = 'pal_env';
    process.env['PALISADE_URL'] = 'https://palisade.example.com/';
    expect(resolveRemote()).toEqual({ url: 'https://palisade.example.com', token: 'pal_env' });
  });

  it('belongs to the stack PALISADE_HOME names, so two local stacks keep separate logins', () => {
    delete process.env['PALISADE_CONFIG'];
    process.env['PALISADE_HOME'] = join(dir, 'stack-a');
    const a = writeConfig({ server: 'http://127.0.0.1:14000', token: 'pal_a' });
    process.env['PALISADE_HOME'] = join(dir, 'stack-b');
    const b = writeConfig({ server: 'http://127.0.0.1:15000', token: 'pal_b' });
    expect([a, b]).toEqual([join(dir, 'stack-a', 'login.json'), join(dir, 'stack-b', 'login.json')]);
    expect(resolveRemote()).toEqual({ url: 'http://127.0.0.1:15000', token: 'pal_b' });
    process.env['PALISADE_HOME'] = join(dir, 'stack-a');
    expect(resolveRemote()).toEqual({ url: 'http://127.0.0.1:14000', token: 'pal_a' });
    // PALISADE_CONFIG still names the file outright.
    process.env['PALISADE_CONFIG'] = join(dir, 'explicit.json');
    expect(configPath()).toBe(join(dir, 'explicit.json'));
  });

  it('says what is missing or wrong', () => {
    expect(() => resolveRemote()).toThrow(/no gateway: set PALISADE_URL/);
    process.env['PALISADE_URL'] = 'http://127.0.0.1:4000';
    expect(() => resolveRemote()).toThrow(/no API token: set PALISADE_TOKEN or run `palisade login`/);
    writeFileSync(process.env['PALISADE_CONFIG']!.replace('sub/', ''), '{');
    process.env['PALISADE_CONFIG'] = join(dir, 'config.json');
    expect(() => resolveRemote()).toThrow(/config\.json is not valid JSON/);
    process.env['PALISADE_URL'] = 'ftp://x';
    process.env['PALISADE_TOKEN'] = 't';
    expect(() => resolveRemote()).toThrow(/is not an http\(s\) URL/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{');
  });
});
