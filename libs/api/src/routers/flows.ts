import { z } from 'zod';
import { ClusterName, FlowAction } from '@palisade/contracts';
import { queryFlows } from '@palisade/flow-store';
import { authedProcedure, router } from '../trpc.js';

const When = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const flowsRouter = router({
  /**
   * Flow records, newest first: what agents saw traffic do, each with the policy rule that
   * decided it. Every filter narrows; `policy` matches a prefix of "tier/policy/rule".
   */
  query: authedProcedure
    .input(
      z
        .object({
          cluster: ClusterName.optional(),
          namespace: z.string().min(1).max(253).optional(),
          endpoint: z.string().min(1).max(253).optional(),
          action: FlowAction.optional(),
          policy: z.string().min(1).max(600).optional(),
          since: When.optional(),
          until: When.optional(),
          limit: z.number().int().min(1).max(10_000).default(1_000),
        })
        .strict()
        .default({ limit: 1_000 }),
    )
    .query(({ ctx, input }) => queryFlows(ctx.db, input)),
});
