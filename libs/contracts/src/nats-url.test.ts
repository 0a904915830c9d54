import { describe, expect, it } from 'vitest';
import { parseNatsUrl } from './nats-url.js';

describe('parseNatsUrl', () => {
  it('takes user and password out of the server URLs', () => {
    expect(parseNatsUrl('nats://palisade:s3cr%40t@127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'palisade', pass: 's3cr@t' });
  });
  it('reads a token and a list of servers sharing credentials', () => {
    expect(parseNatsUrl('nats://tok@h1:4222, nats://h2:4222')).toEqual({ servers: ['nats://h1:4222', 'nats://h2:4222'], token: 'tok' });
  });
  it('leaves a URL without credentials alone', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });
  it('sends a bearer user JWT as a JWT, not as a token (operator mode)', () => {
    const jwt = 'eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQSJ9.c2ln';
    const parsed = parseNatsUrl(`nats://${jwt}@127.0.0.1:4222`);
    expect(parsed.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(parsed.token).toBeUndefined();
    expect(parsed.authenticator?.()).toEqual({ jwt });
  });
  it('refuses servers with different credentials', () => {
    expect(() => parseNatsUrl('nats://a:1@h1:4222,nats://b:2@h2:4222')).toThrow('same credentials');
  });
});
