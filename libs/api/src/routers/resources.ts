import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { applyResources, deleteResources, getResource, listResources, validateFiles } from '@palisade/domain';
import type { Resource } from '@palisade/engine';
import { authorizeWrite, type Principal } from '../authz/roles.js';
import { authedProcedure, router } from '../trpc.js';
import { CHANGE_DOCUMENTS, CHANGE_RESOURCES, KEY, REASON } from './inputs.js';

const ApplyInput = z
  .object({
    /** YAML or JSON text (one or more documents), as a file holds them. */
    documents: CHANGE_DOCUMENTS.optional(),
    /** Or resources as objects. */
    resources: CHANGE_RESOURCES.optional(),
    /**
     * Or files (YAML/JSON text each), applied as one change; problems name their file and line.
     * A file holds at least one resource, so a change never needs more files than resources.
     */
    files: z
      .array(z.object({ name: z.string().min(1).max(1_024), documents: CHANGE_DOCUMENTS }).strict())
      .min(1)
      .max(RESOURCES_PER_CHANGE)
      .optional(),
    reason: REASON.optional(),
    /** Optimistic concurrency: key → the version last read. */
    expectedVersions: z.record(KEY, z.number().int().min(0)).optional(),
  })
  .strict()
  .refine((i) => [i.documents, i.resources, i.files].filter((x) => x !== undefined).length === 1, { message: 'give one of documents (text), resources (objects) or files' });

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
    applyResources(
      ctx.db,
      input.files ? validateFiles(input.files) : (input.documents ?? input.resources!),
      { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) },
      {
        authorize: guard(ctx.principal),
        ...(input.expectedVersions ? { expectedVersions: input.expectedVersions } : {}),
      },
    ),
  ),

  delete: authedProcedure
    .input(
      z
        .object({ keys: z.array(KEY).min(1).max(RESOURCES_PER_CHANGE), reason: REASON.optional(), expectedVersions: z.record(KEY, z.number().int().min(0)).optional() })
        .strict()
        .superRefine((input, ctx) => {
          // A version for a key that is not being deleted checks nothing: the caller meant something else.
          const keys = new Set(input.keys);
          for (const key of Object.keys(input.expectedVersions ?? {})) {
            if (!keys.has(key)) ctx.addIssue({ code: 'custom', path: ['expectedVersions', key], message: 'is not one of the keys being deleted' });
          }
        }),
    )
    .mutation(({ ctx, input }) =>
      deleteResources(
        ctx.db,
        input.keys,
        { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) },
        { authorize: guard(ctx.principal), ...(input.expectedVersions ? { expectedVersions: input.expectedVersions } : {}) },
      ),
    ),

  /** One resource as it is now, read from the log (so a write is visible to the next read). */
  get: authedProcedure.input(z.object({ key: KEY }).strict()).query(async ({ ctx, input }) => {
    const stored = await getResource(ctx.db, input.key);
    return {
      key: stored.key,
      version: stored.version,
      revision: stored.revision,
      resource: withVersion(stored.resource, stored.version),
      updatedAt: stored.updatedAt.toISOString(),
      updatedBy: stored.updatedBy,
    };
  }),

  /** Resources by type and namespace, a page at a time, in key order; a write shows in the next list as it does in the next get. */
  list: authedProcedure
    .input(z.object({ type: z.string().max(64).optional(), namespace: z.string().max(253).optional(), after: KEY.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict())
    .query(async ({ ctx, input }) => {
      const page = await listResources(ctx.db, input);
      return { items: page.items.map((i) => ({ ...i, resource: withVersion(i.resource, i.version) })), ...(page.next ? { next: page.next } : {}) };
    }),
});
