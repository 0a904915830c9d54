/** Which part of the local stack a failure belongs to; printed at the start of the one-line error. */
export type StackComponent = 'postgres' | 'nats' | 'temporal' | 'gateway' | 'worker' | 'console' | 'chromium' | 'stack';

export type StackErrorCode = 'UNREACHABLE' | 'MISSING_BINARY' | 'INSTALL_FAILED' | 'BUILD_FAILED' | 'START_FAILED' | 'NOT_READY' | 'BAD_CONFIG' | 'LOCKED';

/**
 * A failure the person at the terminal can act on: what broke, where, and how to fix it.
 * The CLI prints `message` (one line) and `hint`, never a stack trace.
 */
export class StackError extends Error {
  override readonly name = 'StackError';
  constructor(
    readonly code: StackErrorCode,
    readonly component: StackComponent,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function isStackError(value: unknown): value is StackError {
  return value instanceof StackError;
}

/** The message of any thrown value, for one-line reports. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || String(code ?? error.name);
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
