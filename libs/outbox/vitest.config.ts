import { palisadeVitest } from '../../tools/config/vitest.preset.ts';

// The relay against real PostgreSQL and NATS (late commits, outages) is proven in test/outbox.
export default palisadeVitest('outbox');
