#!/usr/bin/env node
// The `palisade` command. Runs the compiled CLI; says how to build it when it is not built yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('palisade: the CLI is not built yet. Run `npm run build` (or `npm run up`, which builds first).');
  process.exit(1);
}
await import(main);
