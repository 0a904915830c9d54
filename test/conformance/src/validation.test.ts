// Validation vectors transcribed from Calico's validator tests (calico/validation.json). Whole
// resources go through validate(); fragments (a Rule, an EntityRule ...) through validateFragment,
// as upstream validates those objects on their own.
import { describe, expect, it } from 'vitest';
import { validate, validateFragment, type FragmentType } from '@palisade/engine';
import { loadVectors } from './vectors.js';

interface ValidationCase {
  id: string;
  name: string;
  object: Record<string, unknown>;
  valid: boolean;
  errorContains?: string;
  errorMessage?: string;
}

const { cases } = loadVectors<{ cases: ValidationCase[] }>('calico/validation.json');

function run(object: Record<string, unknown>): { valid: boolean; messages: string[] } {
  if ('apiVersion' in object) {
    const result = validate(object);
    return { valid: result.valid, messages: result.errors.map((e) => `${e.path}: ${e.message}`) };
  }
  const type = object['kind'] as FragmentType;
  // The fragment sits under the lowerCamel type name (icmpFields, hostEndpointSpec ...).
  const key = Object.keys(object).find((k) => k !== 'kind')!;
  const issues = validateFragment(type, object[key]);
  return { valid: issues.length === 0, messages: issues.map((i) => i.message) };
}

describe('Calico validation conformance', () => {
  it.each(cases.map((c) => [`${c.id} ${c.name}`, c] as const))('%s', (_label, c) => {
    const result = run(c.object);
    expect(result.valid, `${c.valid ? 'expected valid' : 'expected invalid'}; got: ${result.messages.join(' | ') || 'no errors'}`).toBe(c.valid);
    if (c.errorContains) expect(result.messages.join('\n')).toContain(c.errorContains);
    if (c.errorMessage) expect(result.messages).toContain(c.errorMessage);
  });
});
