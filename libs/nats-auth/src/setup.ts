import { encodeAccount, encodeOperator, encodeUser, type OperatorLimits, type Permissions } from '@nats-io/jwt';
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { z } from 'zod';

/**
 * Everything a nats-server in operator mode and the platform's issuer need, made once per
 * deployment and kept secret (mode 0600): the operator key signs accounts, the account's signing
 * key signs users. Services connect with bearer user JWTs (NATS_URL's userinfo, like a password);
 * agents get user JWTs of their own, bound to their cluster and node, when they join.
 */
export const NatsAuth = z
  .object({
    operatorSeed: z.string(),
    operatorJwt: z.string(),
    systemAccountSeed: z.string(),
    systemAccountJwt: z.string(),
    accountSeed: z.string(),
    accountSigningSeed: z.string(),
    accountJwt: z.string(),
    /** Bearer JWT of the platform's services (gateway, worker, tools): every subject of the account. */
    serviceJwt: z.string(),
    /** Bearer JWT of a system-account user: pushes account updates (revocations) to the servers. */
    systemUserJwt: z.string(),
  })
  .strict();
export type NatsAuth = z.infer<typeof NatsAuth>;

export const ACCOUNT_NAME = 'PALISADE';
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const seedOf = (kp: KeyPair) => text(kp.getSeed());
export const keyFromSeed = (seed: string): KeyPair => fromSeed(new TextEncoder().encode(seed));

/** Missing limits mean 0 to nats-server: everything is set, unlimited unless said otherwise. */
const UNLIMITED: OperatorLimits = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

/** The platform account's JWT, with the user keys revoked so far (user public key to the unix second revoked). */
export async function encodePlatformAccount(auth: Pick<NatsAuth, 'operatorSeed' | 'accountSeed' | 'accountSigningSeed'>, revocations: Record<string, number> = {}): Promise<string> {
  return encodeAccount(
    ACCOUNT_NAME,
    keyFromSeed(auth.accountSeed),
    { limits: UNLIMITED, signing_keys: [keyFromSeed(auth.accountSigningSeed).getPublicKey()], ...(Object.keys(revocations).length ? { revocations } : {}) },
    { signer: keyFromSeed(auth.operatorSeed) },
  );
}

async function bearerUser(name: string, account: KeyPair, signer: KeyPair, permissions: Permissions = {}): Promise<string> {
  return encodeUser(name, createUser(), account, { bearer_token: true, ...permissions, subs: -1, data: -1, payload: -1 }, { signer });
}

export async function createNatsAuth(): Promise<NatsAuth> {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const signing = createAccount();
  const operatorJwt = await encodeOperator('palisade', operator, { system_account: system.getPublicKey() });
  const systemAccountJwt = await encodeAccount('SYS', system, { limits: { ...UNLIMITED, mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0 } }, { signer: operator });
  const base = { operatorSeed: seedOf(operator), accountSeed: seedOf(account), accountSigningSeed: seedOf(signing) };
  return {
    ...base,
    operatorJwt,
    systemAccountSeed: seedOf(system),
    systemAccountJwt,
    accountJwt: await encodePlatformAccount(base),
    serviceJwt: await bearerUser('palisade-services', account, signing),
    systemUserJwt: await bearerUser('palisade-system', system, system),
  };
}

export const accountPublicKey = (auth: Pick<NatsAuth, 'accountSeed'>) => keyFromSeed(auth.accountSeed).getPublicKey();
export const systemAccountPublicKey = (auth: Pick<NatsAuth, 'systemAccountSeed'>) => keyFromSeed(auth.systemAccountSeed).getPublicKey();

/**
 * nats.conf lines for operator mode: the full resolver keeps account JWTs in `resolverDir` and
 * takes updates (revocations) pushed through the system account; both accounts are preloaded so
 * a fresh server needs nothing pushed before clients connect.
 */
export function operatorConfig(auth: NatsAuth, resolverDir: string): string[] {
  return [
    `operator: ${JSON.stringify(auth.operatorJwt)}`,
    `system_account: ${systemAccountPublicKey(auth)}`,
    // A client signs the server's nonce before this runs out: a process hosting hundreds of
    // agents (agent simulate) can be seconds late while it starts them all; 1 s is the default.
    'authorization { timeout: 10 }',
    'resolver {',
    '  type: full',
    `  dir: ${JSON.stringify(resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '  timeout: "1.9s"',
    '}',
    'resolver_preload {',
    `  ${systemAccountPublicKey(auth)}: ${JSON.stringify(auth.systemAccountJwt)}`,
    `  ${accountPublicKey(auth)}: ${JSON.stringify(auth.accountJwt)}`,
    '}',
  ];
}
