import { isStackError } from '@palisade/stack/local';
import { ConfigError } from '@palisade/contracts';
import { InputError } from './errors.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Something failed (a start, a stop, a check). */
  FAILURE: 1,
  /** The command line or the configuration is wrong. */
  USAGE: 2,
  /** A dependency (PostgreSQL, NATS, Temporal, the gateway) is unreachable or not ready, or the rate limit was hit. */
  UNAVAILABLE: 3,
  /** The gateway refused: no valid token, or the token lacks the permission. */
  DENIED: 4,
  /** The resource changed since it was read (a stale resourceVersion). */
  CONFLICT: 5,
  /** The resource, release, token or cluster does not exist. */
  NOT_FOUND: 6,
} as const;

/** For --help: what every exit code means. */
export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 failed or invalid input, 2 bad usage, 3 gateway unreachable or rate limited, 4 not authenticated or not permitted, 5 conflict (changed since read), 6 not found.';

export function info(line: string): void {
  process.stdout.write(line + '\n');
}

export function note(line: string): void {
  process.stderr.write(`  · ${line}\n`);
}

/**
 * Reports a failure as one line on stderr (never a stack trace) and returns the exit code.
 * Unexpected errors still get one line; PALISADE_DEBUG=1 adds the stack.
 */
export function report(command: string, error: unknown): number {
  if (isStackError(error)) {
    process.stderr.write(`palisade ${command}: ${error.message}${error.hint ? `. ${error.hint}` : ''}\n`);
    return error.code === 'UNREACHABLE' || error.code === 'NOT_READY' ? EXIT.UNAVAILABLE : error.code === 'BAD_CONFIG' ? EXIT.USAGE : EXIT.FAILURE;
  }
  // Refusals from the gateway (remote/client.ts RemoteError) carry their exit code and located problems.
  if (error instanceof Error && typeof (error as { exitCode?: unknown }).exitCode === 'number') {
    const { exitCode, problems } = error as Error & { exitCode: number; problems?: { file?: string; index: number; line?: number; column?: number; path: string; message: string }[] };
    if (problems?.length) {
      process.stderr.write(`palisade ${command}: refused, nothing was written:\n`);
      for (const p of problems) process.stderr.write(`  ${p.file ?? (p.index >= 0 ? `resource ${p.index}` : 'input')}${p.line !== undefined ? `:${p.line}:${p.column}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}\n`);
    } else process.stderr.write(`palisade ${command}: ${error.message}\n`);
    return exitCode;
  }
  if (error instanceof ConfigError || error instanceof InputError) {
    process.stderr.write(`palisade ${command}: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`palisade ${command}: ${message}\n`);
  if (process.env['PALISADE_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  return EXIT.FAILURE;
}

/** Pads columns for a plain-text table. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
