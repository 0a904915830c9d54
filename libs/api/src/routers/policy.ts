import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ClusterName } from '@palisade/contracts';
import { parseProbes, previewImpact, ProbeError, simulate, validateDocuments, type Change, type Probe } from '@palisade/engine';
import { validateResources } from '@palisade/domain';
import { stateFor } from '../state/cluster.js';
import { authedProcedure, heavyProcedure, router } from '../trpc.js';
import { DOCUMENTS, KEY, RESOURCES } from './inputs.js';

const MAX_FLOWS = 10_000;
const Probes = z.array(z.unknown()).max(MAX_FLOWS);

/** Probes checked by the engine's own parser, whose errors name the probe and the field. */
function probes(raw: unknown[] | undefined): Probe[] {
  if (!raw) return [];
  try {
    return parseProbes(raw);
  } catch (error) {
    if (error instanceof ProbeError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
    throw error;
  }
}

/** "Type/namespace/name" or "Type/name" → the engine's key for a deletion. */
function deletion(key: string): Change {
  const parts = key.split('/');
  if (parts.length === 3) return { delete: { type: parts[0]!, namespace: parts[1]!, name: parts[2]! } };
  if (parts.length === 2) return { delete: { type: parts[0]!, name: parts[1]! } };
  throw new TRPCError({ code: 'BAD_REQUEST', message: `${key} is not a resource key: use <Type>/<namespace>/<name> or <Type>/<name>` });
}

export const policyRouter = router({
  /** The engine's validation, with every error located (document, line, column, field); nothing is stored. */
  validate: authedProcedure.input(z.object({ documents: DOCUMENTS }).strict()).query(({ input }) => {
    const result = validateDocuments(input.documents);
    return { valid: result.valid, errors: result.errors, documents: result.documents.map(({ resource: _resource, ...verdict }) => verdict) };
  }),

  /**
   * Decides flows against the current state (every committed change), as Calico would; with a
   * cluster, against that state with the endpoints the cluster's agents report laid over it (a
   * live endpoint beats a stale copy in the policy set), as the cluster's agents compile it.
   */
  simulate: authedProcedure.input(z.object({ probes: Probes.min(1), explain: z.boolean().default(false), cluster: ClusterName.optional() }).strict()).query(async ({ ctx, input }) => {
    const list = probes(input.probes);
    if (input.explain && list.length > 100) throw new TRPCError({ code: 'BAD_REQUEST', message: `explain traces are limited to 100 probes at a time (got ${list.length})` });
    const { state, position } = await stateFor(ctx, input.cluster);
    try {
      return { position, results: simulate(state, list, { explain: input.explain }) };
    } catch (error) {
      if (error instanceof ProbeError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
      throw error;
    }
  }),

  /**
   * What applying (and deleting) these resources would do, without doing it: the endpoints each
   * policy would start or stop selecting, and which of the given flows would change verdict.
   */
  preview: heavyProcedure
    .input(
      z.object({ documents: DOCUMENTS.optional(), resources: RESOURCES.optional(), deletes: z.array(KEY).max(1_000).optional(), flows: Probes.optional(), cluster: ClusterName.optional() }).strict(),
    )
    .query(async ({ ctx, input }) => {
      const changes: Change[] = [];
      if (input.documents !== undefined || input.resources !== undefined) for (const r of validateResources(input.documents ?? input.resources!)) changes.push({ upsert: r });
      for (const key of input.deletes ?? []) changes.push(deletion(key));
      if (changes.length === 0) throw new TRPCError({ code: 'BAD_REQUEST', message: 'nothing to preview: give documents, resources or deletes' });
      const flows = probes(input.flows);
      const { state, position } = await stateFor(ctx, input.cluster);
      return { position, ...previewImpact(state, changes, flows) };
    }),
});
