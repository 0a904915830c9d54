import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

// The routers run against a real event store: the test services are started for this project.
export default palisadeVitest('api', { integration: true });
