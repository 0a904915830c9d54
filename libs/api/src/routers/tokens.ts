import { z } from 'zod';
import { TokenRequest } from '@palisade/contracts';
import { createToken, listTokens, revokeToken } from '@palisade/domain';
import { authedProcedure, requiring, router } from '../trpc.js';

/** Token management: admins only. A new token's secret is in the create response and nowhere else. */
export const tokensRouter = router({
  /** Who the caller's token says they are: `palisade login` checks a token with this. */
  whoami: authedProcedure.query(({ ctx }) => ctx.principal),

  create: requiring('token:manage')
    .input(z.object({ token: TokenRequest, reason: z.string().max(4_096).optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      const { token, info } = await createToken(ctx.db, input.token, ctx.principal.actor, input.reason ? { reason: input.reason } : {});
      return { token, info: serialize(info) };
    }),

  list: requiring('token:manage').query(async ({ ctx }) => (await listTokens(ctx.db)).map(serialize)),

  revoke: requiring('token:manage')
    .input(z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, 'a token id (12 hex digits)'), reason: z.string().max(4_096).optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      await revokeToken(ctx.db, input.id, ctx.principal.actor, input.reason);
      ctx.tokensChanged?.();
    }),
});

const serialize = (t: Awaited<ReturnType<typeof listTokens>>[number]) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});
