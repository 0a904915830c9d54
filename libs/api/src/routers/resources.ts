import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { applyResources, deleteResources, resourceStream, validateResources, ValidationFailedError, type ResourceProblem } from '@palisade/event-store';
import type { Resource } from '@palisade/engine';
import { authorizeWrite, type Principal } from '../authz/roles.js';
import { authedProcedure, router } from '../trpc.js';
import { mapped } from './errors.js';
import { DOCUMENTS, KEY, REASON, RESOURCES } from './inputs.js';


const ApplyInput = z
  .object({
    /** YAML or JSON text (one or more documents), as a file holds them. */
    documents: DOCUMENTS.optional(),
    /** Or resources as objects. */
    resources: RESOURCES.optional(),
    /** Or files (YAML/JSON text each), applied as one change; problems name their file and line. */
    files: z.array(z.object({ name: z.string().min(1).max(1_024), documents: DOCUMENTS }).strict()).min(1).max(500).optional(),
    reason: REASON.optional(),
    /** Optimistic concurrency: key → the version last read. */
    expectedVersions: z.record(KEY, z.number().int().min(0)).optional(),
  })
  .strict()
  .refine((i) => [i.documents, i.resources, i.files].filter((x) => x !== undefined).length === 1, { message: 'give one of documents (text), resources (objects) or files' });

/** Every file validated on its own (so lines are the file's), then applied as one list. */
function fromFiles(files: { name: string; documents: string }[]): Resource[] {
  const resources: Resource[] = [];
  const problems: ResourceProblem[] = [];
  for (const file of files) {
    try {
      resources.push(...validateResources(file.documents));
    } catch (error) {
      if (!(error instanceof ValidationFailedError)) throw error;
      problems.push(...error.problems.map((p) => ({ ...p, file: file.name })));
    }
  }
  if (problems.length) throw new ValidationFailedError(problems);
  return resources;
}

/** A stored resource as clients see it: with its version, to send back for a conflict-checked update. */
const withVersion = (resource: Resource, version: number): Resource => ({ ...resource, metadata: { ...resource.metadata, resourceVersion: String(version) } }) as Resource;

/** Refuses, inside the write's transaction, anything the caller may not write. */
const guard = (principal: Principal) => (after: Resource | null, before: Resource | null) => {
  const decision = authorizeWrite(principal, after, before);
  if (!decision.allowed) throw new TRPCError({ code: 'FORBIDDEN', message: decision.reason });
};

export const resourcesRouter = router({
  /** Applies resources as one change: validated by the engine, authorized per resource, recorded with the caller as actor. */
  // "apply" is a reserved name in tRPC routers (Function.prototype.apply).
  put: authedProcedure.input(ApplyInput).mutation(({ ctx, input }) =>
    mapped(() =>
      applyResources(ctx.db, input.files ? fromFiles(input.files) : (input.documents ?? input.resources!), { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }, {
        authorize: guard(ctx.principal),
        ...(input.expectedVersions ? { expectedVersions: input.expectedVersions } : {}),
      }),
    ),
  ),

  delete: authedProcedure
    .input(z.object({ keys: z.array(KEY).min(1).max(1_000), reason: REASON.optional(), expectedVersions: z.record(KEY, z.number().int().min(0)).optional() }).strict())
    .mutation(({ ctx, input }) =>
      mapped(() =>
        deleteResources(ctx.db, input.keys, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }, { authorize: guard(ctx.principal), ...(input.expectedVersions ? { expectedVersions: input.expectedVersions } : {}) }),
      ),
    ),

  /** One resource as it is now, read from the log (so a write is visible to the next read). */
  get: authedProcedure.input(z.object({ key: KEY }).strict()).query(({ ctx, input }) =>
    mapped(async () => {
      // Only what the answer needs: the stored "before" and the event's other columns stay in PostgreSQL.
      const [last] = await ctx.db.$queryRaw<{ version: number; revision: number; resource: Resource | null; recorded_at: Date; actor: string }[]>`
        SELECT version, (payload->>'revision')::int AS revision, payload->'after' AS resource, recorded_at, actor
        FROM events WHERE stream_id = ${resourceStream(input.key)} ORDER BY version DESC LIMIT 1`;
      if (!last?.resource) throw new TRPCError({ code: 'NOT_FOUND', message: `${input.key} does not exist${last ? ' (it was deleted)' : ''}` });
      return { key: input.key, version: last.version, revision: last.revision, resource: withVersion(last.resource, last.version), updatedAt: last.recorded_at.toISOString(), updatedBy: last.actor };
    }),
  ),

  /**
   * Resources by type and namespace, a page at a time, in key order. The projection's rows, with
   * the changes it has not applied yet laid over them from the log (read in the same snapshot),
   * so a write shows in the next list as it does in the next get.
   */
  list: authedProcedure
    .input(z.object({ type: z.string().max(64).optional(), namespace: z.string().max(253).optional(), after: KEY.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict())
    .query(({ ctx, input }) =>
      mapped(() =>
        ctx.db.$transaction(
          async (tx) => {
            type Row = { key: string; type: string; namespace: string | null; version: number; revision: bigint; resource: Resource | null };
            const filter = (r: Row) => (!input.type || r.type === input.type) && (!input.namespace || r.namespace === input.namespace) && r.key > (input.after ?? '');
            const [checkpoint] = await tx.$queryRaw<{ position: bigint }[]>`SELECT position FROM checkpoints WHERE name = 'domain'`;
            const recent = (
              await tx.$queryRaw<Row[]>`
                SELECT DISTINCT ON (stream_id) payload->>'key' AS key, payload->>'type' AS type, payload->>'namespace' AS namespace, version, (payload->>'revision')::bigint AS revision, payload->'after' AS resource
                FROM events WHERE stream_type = 'resource' AND position > ${checkpoint?.position ?? 0n} ORDER BY stream_id, version DESC`
            ).filter(filter);
            const rows = await tx.$queryRaw<Row[]>`
              SELECT key, type, namespace, version, revision, resource FROM resources
              WHERE (${input.type ?? null}::text IS NULL OR type = ${input.type ?? null}) AND (${input.namespace ?? null}::text IS NULL OR namespace = ${input.namespace ?? null}) AND key > ${input.after ?? ''}
              ORDER BY key LIMIT ${input.limit + 1}`;
            // Past the projection's page, later keys belong to the next page.
            const bound = rows.length > input.limit ? rows[input.limit]!.key : undefined;
            const merged = new Map(rows.slice(0, input.limit).map((r) => [r.key, r]));
            for (const r of recent) if (bound === undefined || r.key < bound) merged.set(r.key, r);
            const live = [...merged.values()].filter((r) => r.resource !== null).sort((a, b) => (a.key < b.key ? -1 : 1));
            const page = live.slice(0, input.limit).map((r) => ({ key: r.key, version: Number(r.version), revision: Number(r.revision), resource: withVersion(r.resource!, Number(r.version)) }));
            const more = live.length > input.limit || bound !== undefined;
            // A page emptied by recent deletions still points past itself.
            const next = page.length ? page[page.length - 1]!.key : rows[input.limit - 1]?.key;
            return { items: page, ...(more && next ? { next } : {}) };
          },
          { isolationLevel: 'RepeatableRead' },
        ),
      ),
    ),
});
