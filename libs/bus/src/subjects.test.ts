import { describe, expect, it } from 'vitest';
import { decodeSubjectToken, subjects, subjectToken } from './subjects.js';

describe('subject tokens', () => {
  it('keeps ordinary identifiers readable', () => {
    expect(subjectToken('allow-tcp-6379')).toBe('allow-tcp-6379');
    expect(subjects.event('resource', 'production/allow-tcp-6379')).toBe('palisade.events.resource.production/allow-tcp-6379');
  });

  it('encodes every character NATS gives meaning to, reversibly', () => {
    for (const raw of ['a.b', 'a*b', 'a>b', 'a b', 'tab\there', '100%', 'dots.and%2E', 'wide\u3000space', '%u0041']) {
      const token = subjectToken(raw);
      expect(token).not.toMatch(/[.*>\s]/);
      expect(decodeSubjectToken(token)).toBe(raw);
    }
  });

  it('keeps distinct identifiers distinct', () => {
    expect(subjectToken('a.b')).not.toBe(subjectToken('a%2Eb'));
  });

  it('refuses an empty token', () => {
    expect(() => subjectToken('')).toThrow(RangeError);
  });
});
