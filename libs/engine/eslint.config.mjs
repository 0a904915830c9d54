import { base, browserSafe } from '../../tools/config/eslint.base.mjs';

export default [...base, ...browserSafe];
