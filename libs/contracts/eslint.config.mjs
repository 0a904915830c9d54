import { base, browserSafe } from '../../tools/config/eslint.base.mjs';

// Shared with the console: browser-safe like the engine.
export default [...base, ...browserSafe];
