/**
 * A selector that does not parse. `position` is the 0-based offset in `selector` where the
 * problem was found, so tools can point at it (the CLI prints a caret under it).
 */
export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';
  readonly code = 'SELECTOR_PARSE' as const;
  constructor(
    readonly reason: string,
    readonly selector: string,
    readonly position: number,
  ) {
    super(`invalid selector ${JSON.stringify(selector.length > 80 ? selector.slice(0, 77) + '...' : selector)}: ${reason} at position ${position}`);
  }
}
