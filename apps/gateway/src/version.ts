import { readFileSync } from 'node:fs';

/** The gateway package's version, read once from its package.json (src/ and dist/ alike). */
export const GATEWAY_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
