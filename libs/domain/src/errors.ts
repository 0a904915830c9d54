/** Errors the domain raises, each with a stable code the API maps to a status in one place. */
export type DomainErrorCode = 'VALIDATION_FAILED' | 'NOT_FOUND' | 'CONFLICT';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export interface ResourceProblem {
  /** The file the input came from, when the caller named one. */
  file?: string;
  /** Position of the resource in the input (0-based). */
  index: number;
  /** The YAML document and line/column, when the input was text. */
  document?: number;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/** The input failed the engine's validation: every problem, located. Nothing was written. */
export class ValidationFailedError extends DomainError {
  constructor(readonly problems: ResourceProblem[]) {
    super(
      'VALIDATION_FAILED',
      `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems
        .slice(0, 5)
        .map((p) => `${p.file !== undefined ? `${p.file} ` : ''}${p.line !== undefined ? `line ${p.line}:${p.column} ` : `resource ${p.index} `}${p.path ? `${p.path}: ` : ''}${p.message}`)
        .join('; ')}${problems.length > 5 ? '; ...' : ''}`,
    );
    this.name = 'ValidationFailedError';
  }
}
