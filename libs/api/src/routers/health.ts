import { HealthReport } from '@palisade/contracts';
import { publicProcedure, router } from '../trpc.js';

export const healthRouter = router({
  /** Readiness of the gateway and every dependency, as /readyz reports it. */
  check: publicProcedure.output(HealthReport).query(({ ctx }) => ctx.health()),
});
