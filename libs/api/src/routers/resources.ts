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

  /** Resources by type and namespace, a page at a time (from the projection: it trails writes by moments). */
  list: authedProcedure
    .input(z.object({ type: z.string().max(64).optional(), namespace: z.string().max(253).optional(), after: KEY.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict())
    .query(({ ctx, input }) =>
      mapped(async () => {
        const rows = await ctx.db.$queryRawUnsafe<{ key: string; version: number; revision: bigint; resource: Resource }[]>(
          `SELECT key, version, revision, resource FROM resources WHERE ($1::text IS NULL OR type = $1) AND ($2::text IS NULL OR namespace = $2) AND key > $3 ORDER BY key LIMIT ${input.limit + 1}`,
          input.type ?? null,
          input.namespace ?? null,
          input.after ?? '',
        );
        const page = rows.slice(0, input.limit).map((r) => ({ key: r.key, version: Number(r.version), revision: Number(r.revision), resource: withVersion(r.resource, Number(r.version)) }));
        return { items: page, ...(rows.length > input.limit ? { next: page[page.length - 1]!.key } : {}) };
      }),
    ),
});
