import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

export default palisadeVitest('console', { include: ['lib/**/*.test.ts'] });
