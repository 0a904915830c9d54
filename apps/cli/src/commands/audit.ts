import { createPrismaClient, verifyChain } from '@palisade/event-store';
import { readState, serviceEnv, stackPaths } from '@palisade/stack';
import { redactUrl } from '@palisade/contracts';
import { EXIT, info } from '../output.js';
import { InputError } from './snapshot-input.js';

/** DATABASE_URL from the environment, else the local stack's (as `palisade up` left it). */
export function databaseUrl(home: string): string {
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return fromEnv;
  const state = readState(stackPaths(home).state);
  const url = state ? serviceEnv(state)['DATABASE_URL'] : undefined;
  if (!url) throw new InputError(`no database: set DATABASE_URL, or start the local stack with \`npx palisade up\` (looked in ${home})`);
  return url;
}

/**
 * Walks the event log's hash chain and reports the first event that was edited, deleted,
 * inserted or relinked behind the store's back. Read-only.
 */
export async function auditVerify(options: { home: string; output: 'text' | 'json' }): Promise<number> {
  let url: string;
  try {
    url = databaseUrl(options.home);
  } catch (error) {
    process.stderr.write(`palisade audit verify: ${(error as Error).message}\n`);
    return EXIT.USAGE;
  }
  const prisma = createPrismaClient(url, { max: 2 });
  try {
    let result;
    try {
      result = await verifyChain(prisma);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/ECONNREFUSED|ENOTFOUND|reach database|connect|does not exist|authentication/i.test(message)) throw error;
      process.stderr.write(`palisade audit verify: cannot read the event log at ${redactUrl(url)}: ${message.split('\n').filter(Boolean).pop()!.replace(/^.*Message: `?/, '').replace(/`$/, '')}\n`);
      return EXIT.UNAVAILABLE;
    }
    if (options.output === 'json') info(JSON.stringify(result, null, 2));
    else if (result.ok) info(`ok: ${result.checked} events verified${result.unsealed ? `, ${result.unsealed} newer ones not sealed yet (content checked)` : ''} (${redactUrl(url)})`);
    else info(`BROKEN at position ${result.broken!.position}: ${result.broken!.problem}\n(${result.checked} events before it verified; ${redactUrl(url)})`);
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await prisma.$disconnect();
  }
}
