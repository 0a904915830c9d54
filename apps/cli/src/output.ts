import { StackError, type StackErrorCode } from '@palisade/stack/local';
import { ConfigError } from '@palisade/contracts';
import { InputError, LocalValidationError, RemoteError, type Problem, type RemoteErrorKind } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export function info(line: string): void {
  process.stdout.write(line + '\n');
}

export function note(line: string): void {
  process.stderr.write(`  · ${line}\n`);
}

/** Pads columns for a plain-text table. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const REMOTE_EXIT: Record<RemoteErrorKind, ExitCode> = {
  unreachable: EXIT.UNAVAILABLE,
  'rate-limited': EXIT.UNAVAILABLE,
  denied: EXIT.DENIED,
  conflict: EXIT.CONFLICT,
  'not-found': EXIT.NOT_FOUND,
  invalid: EXIT.FAILURE,
  failed: EXIT.FAILURE,
};

const STACK_EXIT: Record<StackErrorCode, ExitCode> = {
  UNREACHABLE: EXIT.UNAVAILABLE,
  NOT_READY: EXIT.UNAVAILABLE,
  BAD_CONFIG: EXIT.USAGE,
  MISSING_BINARY: EXIT.FAILURE,
  INSTALL_FAILED: EXIT.FAILURE,
  BUILD_FAILED: EXIT.FAILURE,
  START_FAILED: EXIT.FAILURE,
  LOCKED: EXIT.FAILURE,
};

/** What a failure means to the person and to scripts: one line, the located problems under it, the exit code. */
export interface Failure {
  exitCode: ExitCode;
  message: string;
  details: string[];
}

const located = (p: Problem) => `  ${p.file ?? (p.index >= 0 ? `resource ${p.index}` : 'input')}${p.line !== undefined ? `:${p.line}:${p.column}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`;

/** The one mapping from what went wrong to its message and exit code. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof StackError) return { exitCode: STACK_EXIT[error.code], message: `${error.message}${error.hint ? `. ${error.hint}` : ''}`, details: [] };
  if (error instanceof RemoteError) {
    const exitCode = REMOTE_EXIT[error.kind];
    return error.problems.length ? { exitCode, message: 'refused, nothing was written:', details: error.problems.map(located) } : { exitCode, message: error.message, details: [] };
  }
  if (error instanceof LocalValidationError) return { exitCode: EXIT.FAILURE, message: `${error.message}:`, details: error.problems.map(located) };
  if (error instanceof InputError || error instanceof ConfigError) return { exitCode: EXIT.USAGE, message: error.message, details: [] };
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env['PALISADE_DEBUG'] && error instanceof Error && error.stack ? [error.stack] : [];
  return { exitCode: EXIT.FAILURE, message, details: stack };
}

/**
 * Reports a failure on stderr (never a stack trace unless PALISADE_DEBUG=1) and returns its exit
 * code. `command` names the command that failed; without one the line starts with `palisade:`.
 */
export function report(command: string | undefined, error: unknown): ExitCode {
  const { exitCode, message, details } = describeFailure(error);
  process.stderr.write(`palisade${command ? ` ${command}` : ''}: ${message}\n`);
  for (const line of details) process.stderr.write(line + '\n');
  return exitCode;
}
