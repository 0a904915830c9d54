import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeNatsDeploymentAuth } from '@palisade/stack';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info } from '../output.js';

/** `palisade deploy nats-auth`: writes the files and says which Secret each becomes. */
export async function natsAuthCommand(opts: { out: string; servers: string; resolverDir: string }): Promise<number> {
  const dir = resolve(opts.out);
  for (const name of ['auth.json', 'operator.conf', 'services-url'])
    if (existsSync(resolve(dir, name))) throw new InputError(`--out: ${resolve(dir, name)} exists; credentials are never overwritten (choose an empty directory)`);
  let files;
  try {
    files = await writeNatsDeploymentAuth(dir, { servers: opts.servers.split(',').map((s) => s.trim()), resolverDir: opts.resolverDir });
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new InputError(`--servers: ${error.message}`);
    throw error;
  }
  info(`Wrote ${files.auth}, ${files.operatorConf} and ${files.servicesUrl} (readable by you only). Make them Secrets:`);
  info(`  kubectl -n palisade create secret generic palisade-nats-server --from-file=operator.conf=${files.operatorConf}`);
  info(`  kubectl -n palisade create secret generic palisade-nats-auth --from-file=auth.json=${files.auth} --from-file=services-url=${files.servicesUrl}`);
  return EXIT.OK;
}
