import { z } from 'zod';
import { createRelease, diffReleases, formatDiff, releaseContent } from '@palisade/event-store';
import { authedProcedure, requiring, router } from '../trpc.js';
import { mapped } from './errors.js';
import { REASON } from './inputs.js';

const HASH = z.string().regex(/^[0-9a-f]{64}$/, 'a release hash (64 hex digits)');

export const releasesRouter = router({
  /** An immutable, content-addressed snapshot of the whole policy set as it is now. */
  create: requiring('release:create')
    .input(z.object({ reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => mapped(() => createRelease(ctx.db, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }))),

  /** Releases, newest first, a page at a time. */
  list: authedProcedure.input(z.object({ before: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(500).default(50) }).strict()).query(({ ctx, input }) =>
    mapped(async () => {
      const rows = await ctx.db.$queryRaw<{ hash: string; revision: bigint; resource_count: number; actor: string; reason: string | null; position: bigint; created_at: Date }[]>`
        SELECT hash, revision, resource_count, actor, reason, position, created_at FROM releases
        WHERE (${input.before ?? null}::bigint IS NULL OR position < ${input.before ?? null}::bigint) ORDER BY position DESC LIMIT ${input.limit + 1}`;
      const page = rows.slice(0, input.limit).map((r) => ({ hash: r.hash, revision: Number(r.revision), resourceCount: r.resource_count, actor: r.actor, reason: r.reason, position: Number(r.position), createdAt: r.created_at.toISOString() }));
      return { releases: page, ...(rows.length > input.limit ? { next: page[page.length - 1]!.position } : {}) };
    }),
  ),

  /** One release's content (checked against its hash). */
  get: authedProcedure.input(z.object({ hash: HASH }).strict()).query(({ ctx, input }) => mapped(async () => ({ hash: input.hash, ...(await releaseContent(ctx.db, input.hash)) }))),

  /** What changes from one release to another, structured and as text. */
  diff: authedProcedure.input(z.object({ from: HASH, to: HASH }).strict()).query(({ ctx, input }) =>
    mapped(async () => {
      const diff = await diffReleases(ctx.db, input.from, input.to);
      return { diff, text: formatDiff(diff) };
    }),
  ),
});
