import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

export default palisadeVitest('telemetry');
