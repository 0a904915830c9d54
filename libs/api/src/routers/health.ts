import { HealthReport, publicHealth } from '@palisade/contracts';
import { publicProcedure, router } from '../trpc.js';

export const healthRouter = router({
  /** Readiness of the gateway and every dependency, as /readyz reports it: up or down for anyone, details with a token. */
  check: publicProcedure.output(HealthReport).query(async ({ ctx }) => {
    const report = await ctx.health();
    return ctx.principal ? report : publicHealth(report);
  }),
});
