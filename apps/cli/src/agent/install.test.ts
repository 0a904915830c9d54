import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AgentSettings } from '@palisade/contracts';
import { captureCli } from '../test-support/run-cli.js';
import { DEFAULT_PATHS, renderAgentInstall } from './install.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-agent-install-'));
const palisadeBin = join(import.meta.dirname, '..', '..', 'bin', 'palisade.js');
const paths = { ...DEFAULT_PATHS, palisade: [process.execPath, palisadeBin] };
const settings = { gateway: 'https://palisade.example:14000', cluster: 'prod-eu', node: 'node-1', dataplane: 'nftables' as const, joinTokenFile: '/etc/palisade/join-token' };
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('palisade agent install', () => {
  const cli = captureCli();
  it('renders a configuration that agent run will accept and a unit that starts it', () => {
    const [config, unit] = renderAgentInstall(settings, paths);
    expect(config).toMatchObject({ path: '/etc/palisade/agent.yaml', mode: 0o600 });
    expect(AgentSettings.parse(parse(config!.content))).toMatchObject({ ...settings, stateDir: '/var/lib/palisade-agent', heartbeatSeconds: 10 });
    expect(unit).toMatchObject({ path: '/etc/systemd/system/palisade-agent.service', mode: 0o644 });
    expect(unit!.content).toContain(`ExecStart=${process.execPath} ${palisadeBin} agent run --config /etc/palisade/agent.yaml`);
    expect(unit!.content).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW');
    expect(unit!.content).toContain('Restart=always');
    expect(unit!.content).toContain('StateDirectory=palisade-agent');
    // The simulated dataplane touches no kernel tables: no capabilities at all.
    expect(renderAgentInstall({ ...settings, dataplane: 'simulated' }, paths)[1]!.content).toMatch(/^CapabilityBoundingSet=$/m);
  });

  it.runIf(systemdAnalyze)('writes a unit systemd-analyze verify accepts', () => {
    const unitFile = join(dir, 'palisade-agent.service');
    writeFileSync(unitFile, renderAgentInstall(settings, paths)[1]!.content);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', unitFile], { encoding: 'utf8' });
    // Lines about this unit only: the host's own units may carry warnings of their own.
    const ours = (verify.stderr + verify.stdout).split('\n').filter((l) => l.includes('palisade-agent'));
    expect(ours, verify.stderr).toEqual([]);
    expect(verify.status, verify.stderr).toBe(0);
  });

  it('refuses bad settings naming each field, and writes nothing', () => {
    expect(() => renderAgentInstall({ ...settings, cluster: 'Prod_EU', failsafe: { inbound: ['tcp:99999'] } }, paths)).toThrow(
      /cluster: must be lower-case letters, digits and "-" \(a DNS label\); failsafe\.inbound\.0: the port must be at most 65535/,
    );
    expect(() => renderAgentInstall({ ...settings, dataplane: 'ebpf' as 'nftables' }, paths)).toThrow(/dataplane/);
  });

  it('writes both files under --root with their modes, and will not replace them without --force', async () => {
    const root = join(dir, 'root');
    const args = ['agent', 'install', '--gateway', 'https://gw.example', '--cluster', 'prod-eu', '--node', 'node-1', '--root', root];
    expect(await cli.palisade(...args)).toBe(0);
    expect(cli.out).toContain('systemctl enable --now palisade-agent.service');
    expect(statSync(join(root, 'etc/palisade/agent.yaml')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(root, 'etc/systemd/system/palisade-agent.service'))).toBe(true);
    expect(await cli.palisade(...args)).toBe(2);
    expect(cli.err).toContain('already exist: pass --force to replace');
    expect(await cli.palisade(...args, '--cluster', 'Bad_Name', '--force')).toBe(2);
    expect(cli.err).toContain('agent settings: cluster: must be lower-case');
    expect(parse(readFileSync(join(root, 'etc/palisade/agent.yaml'), 'utf8'))).toMatchObject({ cluster: 'prod-eu' });
  });
});
