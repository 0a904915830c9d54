import type { Issue, Path } from '../schema/schema.js';

/** Collects issues under a base path. */
export class Issues {
  readonly list: Issue[] = [];
  add(path: Path, message: string): void {
    this.list.push({ path, message });
  }
}
