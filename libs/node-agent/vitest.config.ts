import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

export default palisadeVitest('node-agent', { integration: true });
