import { encodeUser, type Permissions } from '@nats-io/jwt';
import { createUser } from '@nats-io/nkeys';
import { accountPublicKey, keyFromSeed, type NatsAuth } from './setup.js';

export interface IssuedUser {
  jwt: string;
  /** The user's nkey seed: the holder signs the server's nonce with it. Shown to the holder only. */
  seed: string;
  /** The user's public key: what a revocation names. */
  userKey: string;
}

/**
 * A user of the platform account with exactly `permissions`, signed by the account's signing key.
 * Every call makes a new key pair: revocation is by key and issue time, so re-issuing for an old
 * key would undo its revocation.
 */
export async function issueUser(auth: Pick<NatsAuth, 'accountSeed' | 'accountSigningSeed'>, name: string, permissions: Permissions, options: { expiresAt?: Date } = {}): Promise<IssuedUser> {
  const user = createUser();
  const jwt = await encodeUser(
    name,
    user,
    keyFromSeed(auth.accountSeed),
    { ...permissions, subs: -1, data: -1, payload: -1 },
    { signer: keyFromSeed(auth.accountSigningSeed), ...(options.expiresAt ? { exp: Math.floor(options.expiresAt.getTime() / 1000) } : {}) },
  );
  return { jwt, seed: new TextDecoder().decode(user.getSeed()), userKey: user.getPublicKey() };
}

export { accountPublicKey };
