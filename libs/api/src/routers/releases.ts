import { z } from 'zod';
import { createRelease, diffReleases, formatDiff, listReleases, releaseContent, resolveRelease } from '@palisade/domain';
import { gates } from '../limits/gate.js';
import { authedProcedure, gated, heavyProcedure, requiring, router } from '../trpc.js';
import { REASON } from './inputs.js';

/** A release's hash or a unique prefix of it (the domain says which release, or why none). */
const RELEASE = z.string().min(1).max(64);

export const releasesRouter = router({
  /** An immutable, content-addressed snapshot of the whole policy set as it is now. */
  create: gated(gates.heavy, requiring('release:create'))
    .input(z.object({ reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => createRelease(ctx.db, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) })),

  /** Releases, newest first, a page at a time. */
  list: authedProcedure.input(z.object({ before: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(500).default(50) }).strict()).query(async ({ ctx, input }) => {
    const page = await listReleases(ctx.db, input);
    return { releases: page.releases.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })), ...(page.next !== undefined ? { next: page.next } : {}) };
  }),

  /** One release's content (checked against its hash). */
  get: authedProcedure.input(z.object({ hash: RELEASE }).strict()).query(async ({ ctx, input }) => {
    const hash = await resolveRelease(ctx.db, input.hash);
    return { hash, ...(await releaseContent(ctx.db, hash)) };
  }),

  /** What changes from one release to another, structured and as text. */
  diff: heavyProcedure.input(z.object({ from: RELEASE, to: RELEASE }).strict()).query(async ({ ctx, input }) => {
    const diff = await diffReleases(ctx.db, await resolveRelease(ctx.db, input.from), await resolveRelease(ctx.db, input.to));
    return { diff, text: formatDiff(diff) };
  }),
});
