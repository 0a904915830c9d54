/** A JSON text that is not a list of values, or an element too large to hold; `offset` counts characters from the start. */
export class JsonStreamError extends Error {
  override readonly name = 'JsonStreamError';
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a top-level JSON list, arriving in chunks, into the text of its elements, so a list of
 * millions of probes is read one element at a time instead of as one string. Only the list's own
 * commas and brackets are interpreted (outside strings, at depth one); each element is parsed by
 * the caller with JSON.parse, which reports anything malformed inside it.
 */
export class JsonArraySplitter {
  private state: 'before' | 'list' | 'after' = 'before';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private element = '';
  /** The element has started (non-space seen after '[' or ','). */
  private started = false;
  private offset = 0;
  private elements = 0;
  /** A comma was just seen: another element must follow before ']'. */
  private expectElement = false;

  constructor(private readonly maxElementChars: number) {}

  /** The elements completed by this chunk, as JSON text. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      const at = this.offset + i;
      if (this.state === 'before') {
        if (isSpace(c)) continue;
        if (c !== '[') throw new JsonStreamError(at, 'must be a JSON list of probes ([...]) or one probe object per line');
        this.state = 'list';
        from = i + 1;
        continue;
      }
      if (this.state === 'after') {
        if (!isSpace(c)) throw new JsonStreamError(at, 'unexpected text after the end of the list');
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') {
        this.inString = true;
        this.start();
      } else if (c === '[' || c === '{') {
        this.depth++;
        this.start();
      } else if ((c === ']' || c === '}') && this.depth > 0) {
        this.depth--;
      } else if ((c === ',' || c === ']') && this.depth === 0) {
        this.element += chunk.slice(from, i);
        from = i + 1;
        if (this.element.length > this.maxElementChars) throw new JsonStreamError(at, `list element ${this.elements} is longer than ${this.maxElementChars} characters`);
        if (this.started) {
          out.push(this.element);
          this.elements++;
        } else if (c === ',' || this.expectElement) throw new JsonStreamError(at, c === ',' ? 'a list element is missing before this comma' : 'a list element is missing after the last comma');
        this.element = '';
        this.started = false;
        this.expectElement = c === ',';
        if (c === ']') this.state = 'after';
      } else if (!isSpace(c)) this.start();
    }
    if (this.state === 'list') {
      this.element += chunk.slice(from);
      if (this.element.length > this.maxElementChars) throw new JsonStreamError(this.offset + chunk.length, `list element ${this.elements} is longer than ${this.maxElementChars} characters`);
    }
    this.offset += chunk.length;
    return out;
  }

  /** Checks the text ended with a complete list. */
  end(): void {
    if (this.state === 'before') throw new JsonStreamError(this.offset, 'is empty: expected a JSON list of probes');
    if (this.state === 'list') throw new JsonStreamError(this.offset, 'ends before the list is closed with ]');
  }

  private start(): void {
    this.started = true;
  }
}

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t';
