import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

// The audit commands read a real event log, so the test services are started for this project.
export default palisadeVitest('cli', { integration: true });
