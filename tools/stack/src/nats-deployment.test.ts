import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsAuth } from '@palisade/nats-auth';
import { writeNatsDeploymentAuth } from './services/nats-deployment.js';

describe('NATS credentials for a deployment', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'palisade-nats-deploy-')), 'out');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the gateway auth file, the servers include and the services URL, owner-only, once', async () => {
    const files = await writeNatsDeploymentAuth(dir, { servers: ['nats://nats.palisade.svc:4222', 'nats://n2:4222'], resolverDir: '/data/resolver' });
    const auth = NatsAuth.parse(JSON.parse(readFileSync(files.auth, 'utf8')));
    expect(readFileSync(files.operatorConf, 'utf8')).toContain(`operator: ${JSON.stringify(auth.operatorJwt)}`);
    expect(readFileSync(files.operatorConf, 'utf8')).toContain('dir: "/data/resolver"');
    expect(readFileSync(files.servicesUrl, 'utf8').trim()).toBe(`nats://${auth.serviceJwt}@nats.palisade.svc:4222,nats://${auth.serviceJwt}@n2:4222`);
    for (const f of Object.values(files)) expect(statSync(f).mode & 0o777).toBe(0o600);
    await expect(writeNatsDeploymentAuth(dir, { servers: ['nats://x:4222'], resolverDir: '/r' })).rejects.toThrow(/EEXIST/);
  });

  it('refuses a server address that is not nats:// or carries credentials', async () => {
    await expect(writeNatsDeploymentAuth(join(dir, 'b'), { servers: ['http://x:4222'], resolverDir: '/r' })).rejects.toThrow(/without credentials/);
    await expect(writeNatsDeploymentAuth(join(dir, 'c'), { servers: ['nats://u:p@x:4222'], resolverDir: '/r' })).rejects.toThrow(/without credentials/);
  });
});
