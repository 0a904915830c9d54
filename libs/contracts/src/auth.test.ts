import { describe, expect, it } from 'vitest';
import { parseTokenActor, tokenActor } from './auth.js';

describe('token actors', () => {
  it('name the token by name, id and role, and parse back', () => {
    const token = { id: 'a1b2c3d4e5f6', name: 'dana laptop@home', role: 'developer' } as const;
    expect(tokenActor(token)).toBe('token:dana laptop@home#a1b2c3d4e5f6(developer)');
    expect(parseTokenActor(tokenActor(token))).toEqual(token);
  });

  it('are not read into other actors, nor into the older name-only form', () => {
    for (const actor of ['token:dana', 'system:bootstrap', 'token:dana#a1b2c3d4e5f6', 'token:dana#a1b2c3d4e5f6(root)', 'token:#a1b2c3d4e5f6(viewer)'])
      expect(parseTokenActor(actor), actor).toBeUndefined();
  });
});
