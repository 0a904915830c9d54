import type { IncomingMessage } from 'node:http';
import { CHANGE_BYTES, CHANGE_LIMIT_TEXT } from '@palisade/contracts';

/**
 * resources.put carries one whole change, which may be as large as the change limit allows; every
 * other request keeps the gateway's body limit. Only the procedure on its own gets the larger
 * limit: in a batch it would let other calls ride along on a change's allowance.
 */
const CHANGE_PATH = '/trpc/resources.put';

/** The body limit for a request to `path`, in bytes, and what to add to a refusal so the caller knows why. */
export function bodyLimit(path: string, maxBodyBytes: number): { bytes: number; why: string } {
  if (path !== CHANGE_PATH || maxBodyBytes >= CHANGE_BYTES) return { bytes: maxBodyBytes, why: '' };
  return { bytes: CHANGE_BYTES, why: ` (one change: at most ${CHANGE_LIMIT_TEXT}; apply it in parts)` };
}

/**
 * Reads a body of up to `limit` bytes into `req.body`, where tRPC takes a body already read (its
 * own limit applies only to what it reads itself). False when it is larger: the rest is read and
 * dropped, so that the refusal can be sent.
 */
export function readBody(req: IncomingMessage & { body?: string }, limit: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      req.resume();
      resolve(false);
    };
    const onEnd = () => {
      req.body = Buffer.concat(chunks).toString('utf8');
      resolve(true);
    };
    // A caller that goes away mid-body leaves nothing to answer: the change is simply not made.
    req
      .on('data', onData)
      .once('end', onEnd)
      .once('error', reject)
      .once('close', () => resolve(false));
  });
}
