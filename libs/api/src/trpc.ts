import { initTRPC } from '@trpc/server';
import type { HealthReport } from '@palisade/contracts';

/**
 * What every procedure may use. The gateway builds it per request; tests build it from fakes.
 * Later issues add the event store, the caller's identity and their permissions here.
 */
export interface ApiContext {
  requestId: string;
  /** Checks every dependency now; never throws (a failure is part of the report). */
  health: () => Promise<HealthReport>;
}

const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    // Internal errors keep their message out of responses; the gateway logs them with the request id.
    const hideMessage = error.code === 'INTERNAL_SERVER_ERROR';
    return { ...shape, message: hideMessage ? 'internal error' : shape.message, data: { ...shape.data, stack: undefined } };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
