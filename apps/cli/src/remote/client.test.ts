import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from '../errors.js';
import { describeFailure } from '../output.js';
import { call, connect } from './client.js';

// A stand-in for the gateway's own refusals, which come before the API and are not tRPC-shaped.
describe('refusals the gateway makes before the API', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const [status, code, message] = req.url?.includes('whoami')
        ? [429, 'TOO_MANY_REQUESTS', 'token:x is over its rate limit; retry in 5 s']
        : [413, 'PAYLOAD_TOO_LARGE', 'request body of 9 bytes exceeds the limit of 1 bytes'];
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(JSON.stringify({ error: { code, message } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('become RemoteErrors with their message and the exit code scripts expect', async () => {
    const remote = { url, token: 'pal_x' };
    const limited = await call(remote, () => connect(remote).tokens.whoami.query()).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RemoteError);
    expect(limited).toMatchObject({ kind: 'rate-limited', message: 'token:x is over its rate limit; retry in 5 s' });
    expect(describeFailure(limited).exitCode).toBe(3);
    const large = await call(remote, () => connect(remote).resources.put.mutate({ resources: [{}] })).catch((e: unknown) => e);
    expect(large).toMatchObject({ kind: 'invalid', message: expect.stringContaining('exceeds the limit') });
    expect(describeFailure(large).exitCode).toBe(1);
  });
});
