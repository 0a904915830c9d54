import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@palisade/contracts';
import { StackError } from '@palisade/stack/local';
import { InputError, LocalValidationError, RemoteError, type RemoteErrorKind } from './errors.js';
import { describeFailure, report } from './output.js';

describe('the exit code and message of each error type', () => {
  it('bad local input and bad configuration are usage errors (2), the message as is', () => {
    expect(describeFailure(new InputError('/no/such/file.yaml: no such file or directory'))).toEqual({ exitCode: 2, message: '/no/such/file.yaml: no such file or directory', details: [] });
    expect(describeFailure(new ConfigError('gateway', [{ variable: 'GATEWAY_PORT', message: 'must be a number' }])).exitCode).toBe(2);
  });

  it('files the engine found invalid fail (1) with every problem located, and say nothing was sent', () => {
    const failure = describeFailure(
      new LocalValidationError([
        { file: 'a.yaml', index: 0, line: 7, column: 13, path: 'spec.selector', message: 'is not a valid selector' },
        { file: 'a.yaml', index: 1, line: 2, column: 1, path: '', message: 'unknown kind' },
      ]),
    );
    expect(failure).toEqual({ exitCode: 1, message: 'invalid input, nothing was sent:', details: ['  a.yaml:7:13: spec.selector: is not a valid selector', '  a.yaml:2:1: unknown kind'] });
  });

  it("gives each of the gateway's answers the exit code scripts rely on", () => {
    const codes: [RemoteErrorKind, number][] = [
      ['unreachable', 3],
      ['rate-limited', 3],
      ['denied', 4],
      ['conflict', 5],
      ['not-found', 6],
      ['invalid', 1],
      ['failed', 1],
    ];
    for (const [kind, exitCode] of codes) expect(describeFailure(new RemoteError(`said ${kind}`, kind))).toEqual({ exitCode, message: `said ${kind}`, details: [] });
  });

  it("lists the gateway's located problems under one line that says nothing was written", () => {
    const failure = describeFailure(
      new RemoteError('invalid', 'invalid', [
        { file: 'bad.yaml', index: 0, line: 7, column: 13, path: 'spec.selector', message: 'unterminated string' },
        { index: 2, path: 'metadata.name', message: 'is required' },
        { index: -1, path: '', message: 'too many resources' },
      ]),
    );
    expect(failure).toEqual({
      exitCode: 1,
      message: 'refused, nothing was written:',
      details: ['  bad.yaml:7:13: spec.selector: unterminated string', '  resource 2: metadata.name: is required', '  input: too many resources'],
    });
  });

  it("maps the local stack's failures by their code and adds the hint", () => {
    expect(describeFailure(new StackError('UNREACHABLE', 'postgres', 'PostgreSQL at x is unreachable', 'Is it running?'))).toEqual({
      exitCode: 3,
      message: 'PostgreSQL at x is unreachable. Is it running?',
      details: [],
    });
    expect(describeFailure(new StackError('NOT_READY', 'gateway', 'not ready')).exitCode).toBe(3);
    expect(describeFailure(new StackError('BAD_CONFIG', 'temporal', 'TEMPORAL_ADDRESS must be host:port')).exitCode).toBe(2);
    expect(describeFailure(new StackError('START_FAILED', 'nats', 'nats-server exited')).exitCode).toBe(1);
  });

  it('anything else fails (1) with its message', () => {
    expect(describeFailure(new Error('boom'))).toEqual({ exitCode: 1, message: 'boom', details: [] });
    expect(describeFailure('a string')).toEqual({ exitCode: 1, message: 'a string', details: [] });
  });
});

describe('report', () => {
  let err = '';
  const saved = process.env['PALISADE_DEBUG'];
  beforeEach(() => {
    err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (saved === undefined) delete process.env['PALISADE_DEBUG'];
    else process.env['PALISADE_DEBUG'] = saved;
  });

  it('writes one line naming the command, then the located problems, and returns the exit code', () => {
    expect(report('apply', new RemoteError('x', 'invalid', [{ file: 'a.yaml', index: 0, line: 1, column: 2, path: 'spec', message: 'bad' }]))).toBe(1);
    expect(err).toBe('palisade apply: refused, nothing was written:\n  a.yaml:1:2: spec: bad\n');
  });

  it('starts with `palisade:` when no command was reached', () => {
    expect(report(undefined, new InputError('--port must be a whole number, not "x"'))).toBe(2);
    expect(err).toBe('palisade: --port must be a whole number, not "x"\n');
  });

  it('adds the stack of an unexpected error only with PALISADE_DEBUG', () => {
    delete process.env['PALISADE_DEBUG'];
    report('get', new Error('boom'));
    expect(err).toBe('palisade get: boom\n');
    err = '';
    process.env['PALISADE_DEBUG'] = '1';
    report('get', new Error('boom'));
    expect(err).toMatch(/^palisade get: boom\nError: boom\n {4}at /);
  });
});
