import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('masks the password and keeps everything else', () => {
    expect(redactUrl('postgres://palisade:s3cr%40t@127.0.0.1:5432/palisade?sslmode=disable')).toBe('postgres://palisade:***@127.0.0.1:5432/palisade?sslmode=disable');
  });
  it('masks every server of a list', () => {
    expect(redactUrl('nats://a:pw1@h1:4222,nats://b:pw2@h2:4222')).toBe('nats://a:***@h1:4222,nats://b:***@h2:4222');
  });
  it('leaves a string without credentials alone', () => {
    expect(redactUrl('127.0.0.1:7233')).toBe('127.0.0.1:7233');
  });
  it('masks a credential given as the user alone: how NATS carries a token', () => {
    expect(redactUrl('nats://eyJ0eXAiOiJKV1Qi.payload.sig@127.0.0.1:14222')).toBe('nats://***@127.0.0.1:14222');
    expect(redactUrl('nats://t1@h1:4222,nats://u:pw@h2:4222')).toBe('nats://***@h1:4222,nats://u:***@h2:4222');
  });
});
