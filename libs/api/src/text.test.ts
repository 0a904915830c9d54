import { describe, expect, it } from 'vitest';
import { badText } from './text.js';

describe('badText', () => {
  it('names the field holding a NUL or a lone surrogate, and passes ordinary text (emoji included)', () => {
    expect(badText({ reason: 'fine 🚀 Ünïcode', list: ['a', { b: 'c' }] })).toBeUndefined();
    expect(badText({ reason: 'a\u0000b' })).toEqual({ path: 'reason', problem: expect.stringMatching(/NUL character/) });
    expect(badText({ resources: [{ metadata: { annotations: { note: 'x\ud800y' } } }] })).toEqual({
      path: 'resources.0.metadata.annotations.note',
      problem: expect.stringMatching(/lone UTF-16 surrogate/),
    });
    expect(badText({ a: '\udc00' })?.path).toBe('a');
    expect(badText({ a: 'ok', ['k\u0000']: 1 })).toEqual({ path: 'k\u0000', problem: expect.stringMatching(/^its name contains a NUL/) });
    expect(badText('\u0000')?.path).toBe('the request');
  });

  it('walks input nested far deeper than a recursive walk could', () => {
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(badText(deep)?.problem).toMatch(/NUL/);
  });
});
