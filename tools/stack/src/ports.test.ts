import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortFree, pickPort } from './ports.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port = 0): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('ports', () => {
  it('knows a listening port is taken and a released one is free', async () => {
    const port = await listen();
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => servers.pop()!.close(r));
    expect(await isPortFree(port)).toBe(true);
  });

  it('returns the preferred port when free, another free one when taken', async () => {
    const free = await pickPort();
    expect(await pickPort(free)).toBe(free);
    const taken = await listen();
    const other = await pickPort(taken);
    expect(other).not.toBe(taken);
    expect(await isPortFree(other)).toBe(true);
  });
});
