import type { ProbeResult } from '@palisade/engine';
import { send } from './send.js';

export type ResultFormat = 'text' | 'json' | 'ndjson';

/**
 * Writes probe results to a stream as they are decided, waiting whenever the stream's buffer is
 * full, so output of any size costs constant memory. `json` is the same text JSON.stringify of the
 * whole list with two-space indentation gives; `ndjson` is one compact result per line; `text`
 * prints each result as `print` words it, then the totals.
 */
export class ResultWriter {
  private count = 0;
  private allowed = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly format: ResultFormat,
    private readonly print: (result: ProbeResult) => string,
  ) {}

  async write(result: ProbeResult): Promise<void> {
    let text: string;
    if (this.format === 'ndjson') text = `${JSON.stringify(result)}\n`;
    else if (this.format === 'json') text = `${this.count === 0 ? '[\n' : ',\n'}${JSON.stringify(result, null, 2).replace(/^/gm, '  ')}`;
    else text = this.print(result);
    this.count++;
    if (result.allowed) this.allowed++;
    await this.send(text);
  }

  /** Closes the list (json) or prints the totals (text). */
  async end(): Promise<void> {
    if (this.format === 'json') await this.send(this.count === 0 ? '[]\n' : '\n]\n');
    else if (this.format === 'text') await this.send(`${this.allowed} allowed, ${this.count - this.allowed} denied\n`);
  }

  private send(text: string): Promise<void> {
    return send(this.out, text);
  }
}
