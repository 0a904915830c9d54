import { describe, expect, it } from 'vitest';
import { setStreamReplicas, streamReplicas } from './replicas.js';

describe('stream replicas', () => {
  it('is 1 until set, takes 1 to 5, and refuses anything else without changing', () => {
    expect(streamReplicas()).toBe(1);
    setStreamReplicas(3);
    expect(streamReplicas()).toBe(3);
    for (const bad of [0, 6, 2.5, Number.NaN]) expect(() => setStreamReplicas(bad)).toThrow(/1 to 5/);
    expect(streamReplicas()).toBe(3);
    setStreamReplicas(1);
  });
});
