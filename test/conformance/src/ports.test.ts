// Port and protocol vectors from Calico's numorstring tests (calico/ports.json).
import { describe, expect, it } from 'vitest';
import {
  namedPort,
  portFromValue,
  portToString,
  portToValue,
  protocolFromString,
  protocolFromStringV1,
  protocolFromValue,
  protocolProblem,
  protocolToString,
  protocolToV1,
  protocolToValue,
  supportsPorts,
  validateFragment,
  type Port,
  type Protocol,
} from '@palisade/engine';
import { loadVectors } from './vectors.js';

interface Vectors {
  port: {
    unmarshalJSON: { name: string; json: string; valid: boolean; expected?: Port; input?: unknown; malformedJSON?: boolean }[];
    marshalJSON: { name: string; value: Port; json: string }[];
    toString: { name: string; value: Port; string: string }[];
    namedPort: { name: string; input: string; valid: boolean; expected?: Port }[];
  };
  protocol: {
    unmarshalJSON: { name: string; json: string; valid: boolean; expected?: Protocol; input?: unknown; malformedJSON?: boolean }[];
    marshalJSON: { name: string; value: Protocol; json: string }[];
    toString: { name: string; value: Protocol; string: string }[];
    supportsPorts: { name: string; protocol: Protocol; supportsPorts: boolean }[];
    fromString: { name: string; input: string; expected: string }[];
    fromStringV1: { name: string; input: string; expected: string }[];
    toV1: { name: string; input: Protocol; expected: Protocol }[];
    validation: { id: string; name: string; protocol: unknown; valid: boolean }[];
  };
  protoPort: { validation: { id: string; name: string; protoPort: unknown; valid: boolean }[] };
}

const v = loadVectors<Vectors>('calico/ports.json');

/** JSON text → port, failing as Go's UnmarshalJSON fails (malformed JSON included). */
function unmarshal<T>(json: string, from: (value: unknown) => T | undefined): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  try {
    return from(value);
  } catch {
    return undefined;
  }
}

describe('Calico port conformance', () => {
  it.each(v.port.unmarshalJSON.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const port = unmarshal(c.json, portFromValue);
    if (c.valid) expect(port).toEqual(c.expected);
    else expect(port).toBeUndefined();
  });
  it.each(v.port.marshalJSON.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(JSON.stringify(portToValue(c.value))).toBe(c.json);
  });
  it.each(v.port.toString.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(portToString(c.value)).toBe(c.string);
  });
  it.each(v.port.namedPort.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    if (c.valid) expect(namedPort(c.input)).toEqual(c.expected);
    else expect(() => namedPort(c.input)).toThrow();
  });
});

describe('Calico protocol conformance', () => {
  it.each(v.protocol.unmarshalJSON.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const protocol = unmarshal(c.json, protocolFromValue);
    if (c.valid) expect(protocol).toEqual(c.expected);
    else expect(protocol).toBeUndefined();
  });
  it.each(v.protocol.marshalJSON.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(JSON.stringify(protocolToValue(c.value))).toBe(c.json);
  });
  it.each(v.protocol.toString.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(protocolToString(c.value)).toBe(c.string);
  });
  it.each(v.protocol.supportsPorts.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(supportsPorts(c.protocol)).toBe(c.supportsPorts);
  });
  it.each(v.protocol.fromString.map((c) => [c.name, c] as const))('fromString: %s', (_n, c) => {
    expect(protocolFromString(c.input)).toEqual({ type: 'string', value: c.expected });
  });
  it.each(v.protocol.fromStringV1.map((c) => [c.name, c] as const))('fromStringV1: %s', (_n, c) => {
    expect(protocolFromStringV1(c.input)).toEqual({ type: 'string', value: c.expected });
  });
  it.each(v.protocol.toV1.map((c) => [c.name, c] as const))('toV1: %s', (_n, c) => {
    expect(protocolToV1(c.input)).toEqual(c.expected);
  });
  it.each(v.protocol.validation.map((c) => [`${c.id} ${c.name}`, c] as const))('%s', (_n, c) => {
    const parsed = protocolFromValue(c.protocol);
    const valid = parsed !== undefined && protocolProblem(parsed) === undefined;
    expect(valid).toBe(c.valid);
    expect(validateFragment('Protocol', c.protocol).length === 0).toBe(c.valid);
  });
  it.each(v.protoPort.validation.map((c) => [`${c.id} ${c.name}`, c] as const))('%s', (_n, c) => {
    expect(validateFragment('ProtoPort', c.protoPort).length === 0).toBe(c.valid);
  });
});
