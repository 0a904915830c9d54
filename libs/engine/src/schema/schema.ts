// A small structural decoder for the resource model: it turns parsed YAML/JSON into typed
// values, reporting every problem with the path where it was found. The engine may depend on
// nothing but ipaddr.js and yaml, so this stands in for zod here; the TypeScript types of the
// model are inferred from the same definitions, so they cannot drift apart.

export type Path = readonly (string | number)[];

export interface Issue {
  path: Path;
  message: string;
}

export interface DecodeContext {
  issues: Issue[];
}

export interface Schema<T> {
  /** How the expected value is described in messages ("a string", "a list of ports"). */
  readonly expected: string;
  /** The value in its typed form, or undefined after recording at least one issue. */
  decode(value: unknown, path: Path, ctx: DecodeContext): T | undefined;
  /**
   * Go's zero value for this type (false, "", an empty list or map): an explicit zero means the
   * same as leaving the field out, as it does in Calico. Absent for types where zero is a
   * meaningful value (numbers, and pointers to structs).
   */
  readonly isZero?: (value: unknown) => boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function issue(ctx: DecodeContext, path: Path, message: string): undefined {
  ctx.issues.push({ path, message });
  return undefined;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

const mismatch = <T>(ctx: DecodeContext, path: Path, expected: string, value: unknown): T | undefined => issue(ctx, path, `must be ${expected}, not ${typeName(value)}`);

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Said when the pattern does not match, after "must be". */
  patternMessage?: string;
}

export function string(options: StringOptions = {}): Schema<string> {
  return {
    expected: 'a string',
    isZero: (v) => v === '',
    decode(value, path, ctx) {
      if (typeof value !== 'string') return mismatch(ctx, path, 'a string', value);
      if (options.min !== undefined && value.length < options.min) return issue(ctx, path, options.min === 1 ? 'must not be empty' : `must be at least ${options.min} characters long`);
      if (options.max !== undefined && value.length > options.max) return issue(ctx, path, `must be at most ${options.max} characters long (it has ${value.length})`);
      if (options.pattern && !options.pattern.test(value)) return issue(ctx, path, `must be ${options.patternMessage ?? `of the form ${options.pattern.source}`}, not ${JSON.stringify(value)}`);
      return value;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    expected: 'true or false',
    isZero: (v) => v === false,
    decode: (value, path, ctx) => (typeof value === 'boolean' ? value : mismatch(ctx, path, 'true or false', value)),
  };
}

export interface NumberOptions {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** A number (Go float64 or int). Zero is meaningful (order: 0, icmp type 0), so it is never "unset". */
export function number(options: NumberOptions = {}): Schema<number> {
  const expected = options.integer ? 'an integer' : 'a number';
  return {
    expected,
    decode(value, path, ctx) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return mismatch(ctx, path, expected, value);
      if (options.integer && !Number.isInteger(value)) return mismatch(ctx, path, expected, value);
      if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
        const range =
          options.min !== undefined && options.max !== undefined ? `between ${options.min} and ${options.max}` : options.min !== undefined ? `at least ${options.min}` : `at most ${options.max}`;
        return issue(ctx, path, `must be ${range}, not ${value}`);
      }
      return value;
    },
  };
}

/** One of a fixed set of values, compared exactly (Calico's enums are case-sensitive). */
export function oneOf<const T extends readonly (string | number)[]>(values: T): Schema<T[number]> {
  const list = values.map((v) => String(v)).join(', ');
  return {
    expected: `one of ${list}`,
    isZero: (v) => v === '',
    decode(value, path, ctx) {
      if ((values as readonly unknown[]).includes(value)) return value as T[number];
      return issue(ctx, path, `must be one of ${list}, not ${typeName(value)}`);
    },
  };
}

export interface ListOptions {
  max?: number;
  unique?: boolean;
}

export function list<T>(item: Schema<T>, options: ListOptions = {}): Schema<T[]> {
  const expected = `a list of ${item.expected.replace(/^an? /, '')}s`.replace(/ss$/, 'ses');
  return {
    expected: 'a list',
    isZero: (v) => Array.isArray(v) && v.length === 0,
    decode(value, path, ctx) {
      if (!Array.isArray(value)) return mismatch(ctx, path, expected, value);
      if (options.max !== undefined && value.length > options.max) return issue(ctx, path, `must have at most ${options.max} items (it has ${value.length})`);
      const before = ctx.issues.length;
      const out: T[] = [];
      value.forEach((element, index) => {
        const decoded = item.decode(element, [...path, index], ctx);
        if (decoded !== undefined) out.push(decoded);
      });
      if (ctx.issues.length > before) return undefined;
      if (options.unique) {
        const seen = new Set<string>();
        for (let i = 0; i < out.length; i++) {
          const key = JSON.stringify(out[i]);
          if (seen.has(key)) return issue(ctx, [...path, i], `repeats ${JSON.stringify(out[i])}; each value may appear once`);
          seen.add(key);
        }
      }
      return out;
    },
  };
}

/** A map of string keys to values; `key` checks each key (label and annotation key syntax). */
export function record<T>(valueSchema: Schema<T>, key?: (key: string) => string | undefined): Schema<Record<string, T>> {
  return {
    expected: 'a map',
    isZero: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0,
    decode(value, path, ctx) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return mismatch(ctx, path, 'a map', value);
      const before = ctx.issues.length;
      const out: Record<string, T> = {};
      for (const [k, v] of Object.entries(value)) {
        const keyProblem = key?.(k);
        if (keyProblem) issue(ctx, [...path, k], keyProblem);
        const decoded = valueSchema.decode(v, [...path, k], ctx);
        if (decoded !== undefined) Object.defineProperty(out, k, { value: decoded, enumerable: true, writable: true, configurable: true });
      }
      return ctx.issues.length > before ? undefined : out;
    },
  };
}

const OPTIONAL = Symbol('optional');

export interface OptionalSchema<T> extends Schema<T> {
  readonly [OPTIONAL]: true;
  readonly inner: Schema<T>;
}

/** An optional field. null and Go zero values (when the type has one) read as absent. */
export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return { ...inner, inner, [OPTIONAL]: true, decode: inner.decode.bind(inner) };
}

function isOptional(schema: Schema<unknown>): schema is OptionalSchema<unknown> {
  return OPTIONAL in schema;
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<{ [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }>;

export interface ObjectOptions {
  /** reject (the default): an unknown field is an error, never silently dropped. ignore: read what is known. */
  unknown?: 'reject' | 'ignore';
  /** Fields accepted and ignored (status on objects read back from a cluster). */
  ignoredFields?: readonly string[];
}

export interface ObjectSchema<S extends Shape> extends Schema<ObjectOf<S>> {
  readonly shape: S;
}

export function object<S extends Shape>(shape: S, options: ObjectOptions = {}): ObjectSchema<S> {
  const known = Object.keys(shape);
  return {
    shape,
    expected: 'an object',
    decode(value, path, ctx) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return mismatch(ctx, path, 'an object', value);
      const input = value as Record<string, unknown>;
      const before = ctx.issues.length;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(shape)) {
        const present = Object.prototype.hasOwnProperty.call(input, name);
        const raw = present ? input[name] : undefined;
        const fieldPath = [...path, name];
        if (raw === undefined || raw === null || (isOptional(field) && field.isZero?.(raw))) {
          if (!isOptional(field)) issue(ctx, fieldPath, 'is required');
          continue;
        }
        const decoded = field.decode(raw, fieldPath, ctx);
        if (decoded !== undefined) out[name] = decoded;
      }
      if ((options.unknown ?? 'reject') === 'reject') {
        for (const name of Object.keys(input)) {
          if (known.includes(name) || options.ignoredFields?.includes(name)) continue;
          const hint = closest(name, known);
          issue(ctx, [...path, name], `is not a known field${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; known fields here: ${known.join(', ')}`);
        }
      }
      return ctx.issues.length > before ? undefined : (out as ObjectOf<S>);
    },
  };
}

/** A schema whose decoding is written by hand (ports, protocols, CIDRs). */
export function custom<T>(expected: string, decode: (value: unknown, path: Path, ctx: DecodeContext) => T | undefined, isZero?: (value: unknown) => boolean): Schema<T> {
  return { expected, decode, ...(isZero ? { isZero } : {}) };
}

/** The known name within edit distance 2 of a misspelt one (case-insensitive), for "did you mean". */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** Runs a schema on a value, returning the value or the issues. */
export function decodeWith<T>(schema: Schema<T>, value: unknown, path: Path = []): { value: T; issues: [] } | { value: undefined; issues: Issue[] } {
  const ctx: DecodeContext = { issues: [] };
  const decoded = schema.decode(value, path, ctx);
  if (decoded === undefined || ctx.issues.length > 0) return { value: undefined, issues: ctx.issues.length ? ctx.issues : [{ path, message: 'is invalid' }] };
  return { value: decoded, issues: [] };
}
