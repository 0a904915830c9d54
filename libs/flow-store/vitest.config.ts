import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

export default palisadeVitest('flow-store', { integration: true });
