import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNatsAuth, operatorConfig } from '@palisade/nats-auth';

export interface NatsDeploymentFiles {
  /** The gateway's NATS_AUTH_FILE: every key and JWT; it issues agents their credentials with it. */
  auth: string;
  /** The servers' include: the operator, system account and account JWTs and the resolver. */
  operatorConf: string;
  /** NATS_URL for the gateway and the worker: the services' bearer JWT at the given servers. */
  servicesUrl: string;
}

/**
 * A new NATS operator, accounts and service credentials for a deployment beyond one machine
 * (the local stack makes its own): written to `dir`, every file readable by its owner only, to be
 * turned into Secrets. Nothing here is ever printed: the files are the only copy.
 */
export async function writeNatsDeploymentAuth(dir: string, options: { servers: string[]; resolverDir: string }): Promise<NatsDeploymentFiles> {
  const servers = options.servers.map((s) => new URL(s));
  for (const s of servers) if (s.protocol !== 'nats:' || s.username || s.password) throw new RangeError(`${s.href}: a nats:// server address without credentials`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const auth = await createNatsAuth();
  const files = { auth: join(dir, 'auth.json'), operatorConf: join(dir, 'operator.conf'), servicesUrl: join(dir, 'services-url') };
  // wx: an earlier run's credentials are never overwritten by accident.
  writeFileSync(files.auth, JSON.stringify(auth, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  writeFileSync(files.operatorConf, operatorConfig(auth, options.resolverDir).join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  writeFileSync(files.servicesUrl, servers.map((s) => `nats://${auth.serviceJwt}@${s.host}`).join(',') + '\n', { mode: 0o600, flag: 'wx' });
  return files;
}
