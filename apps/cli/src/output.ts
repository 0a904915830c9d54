import { isStackError } from '@palisade/stack';
import { ConfigError } from '@palisade/contracts';

/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Something failed (a start, a stop, a check). */
  FAILURE: 1,
  /** The command line or the configuration is wrong. */
  USAGE: 2,
  /** A dependency (PostgreSQL, NATS, Temporal, the gateway) is unreachable or not ready. */
  UNAVAILABLE: 3,
} as const;

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
  if (error instanceof ConfigError) {
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
