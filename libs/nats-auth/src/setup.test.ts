import { decode } from '@nats-io/jwt';
import { describe, expect, it } from 'vitest';
import { accountPublicKey, createNatsAuth, encodePlatformAccount, keyFromSeed, operatorConfig, systemAccountPublicKey } from './setup.js';
import { issueUser } from './users.js';

describe('NATS operator-mode keys', () => {
  it('chains operator -> accounts -> users, with services as bearer users and agents signed by the signing key', async () => {
    const auth = await createNatsAuth();
    const operator = keyFromSeed(auth.operatorSeed).getPublicKey();
    const account = decode<{ signing_keys: string[] }>(auth.accountJwt);
    expect(account.iss).toBe(operator);
    expect(account.sub).toBe(accountPublicKey(auth));
    expect(account.nats.signing_keys).toEqual([keyFromSeed(auth.accountSigningSeed).getPublicKey()]);
    expect(decode(auth.systemAccountJwt).iss).toBe(operator);
    const service = decode<{ bearer_token: boolean; issuer_account: string }>(auth.serviceJwt);
    expect(service.nats.bearer_token).toBe(true);
    expect(service.nats.issuer_account).toBe(accountPublicKey(auth));

    const agent = await issueUser(auth, 'alpha/n1', { pub: { allow: ['a.b'] }, sub: { allow: ['_INBOX_x.>'] } }, { expiresAt: new Date(Date.now() + 60_000) });
    const claims = decode<{ pub: { allow: string[] }; bearer_token?: boolean }>(agent.jwt);
    expect(claims.sub).toBe(agent.userKey);
    expect(claims.iss).toBe(keyFromSeed(auth.accountSigningSeed).getPublicKey());
    expect(claims.nats.pub?.allow).toEqual(['a.b']);
    expect(claims.nats.bearer_token).toBeUndefined();
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(keyFromSeed(agent.seed).getPublicKey()).toBe(agent.userKey);
  });

  it('revokes user keys in a newer account JWT and configures the full resolver with both accounts', async () => {
    const auth = await createNatsAuth();
    const revoked = await encodePlatformAccount(auth, { UABC: 1_700_000_000 });
    expect(decode<{ revocations: Record<string, number> }>(revoked).nats.revocations).toEqual({ UABC: 1_700_000_000 });
    const config = operatorConfig(auth, '/tmp/x').join('\n');
    expect(config).toContain(`system_account: ${systemAccountPublicKey(auth)}`);
    expect(config).toContain(`${accountPublicKey(auth)}: "${auth.accountJwt}"`);
    expect(config).toContain('type: full');
  });
});
