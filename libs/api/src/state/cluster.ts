import { TRPCError } from '@trpc/server';
import { clusterView, releaseContent } from '@palisade/domain';
import { ClusterState, keyOf, type Resource } from '@palisade/engine';
import type { ApiContext } from '../trpc.js';
import { currentState, type CurrentState } from './current.js';

/**
 * Which policies a cluster's state starts from: the policy set as it is now (`head`), or the
 * release the cluster's agents report they enforce (`running`): what decided its recorded flows.
 */
export type PolicySource = 'head' | 'running';

/**
 * The current state, or with a cluster: that state (or the release the cluster runs) with the
 * endpoints the cluster's agents report laid over it (a live endpoint beats a stale copy in the
 * policy set), as its agents compile it.
 */
export async function stateFor(ctx: Pick<ApiContext, 'db' | 'horizon' | 'inventory'>, cluster: string | undefined, policies: PolicySource = 'head'): Promise<CurrentState & { release?: string }> {
  const current = await currentState(ctx.db!, ctx.horizon);
  if (!cluster) {
    if (policies === 'running') throw new TRPCError({ code: 'BAD_REQUEST', message: 'the policies a cluster runs need a cluster: name one' });
    return current;
  }
  if (!ctx.inventory) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: "this gateway has no connection to the agents' inventory (NATS)" });
  let base = current.state.resources();
  let release: string | undefined;
  if (policies === 'running') {
    const view = await clusterView(ctx.db!, cluster);
    if (!view) throw new TRPCError({ code: 'NOT_FOUND', message: `no cluster ${cluster}` });
    release = view.observedRelease ?? undefined;
    if (!release) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `cluster ${cluster}'s agents have not reported a release in force yet` });
    base = (await releaseContent(ctx.db!, release)).resources.map((r) => r.resource);
  }
  const merged = new Map(base.map((r) => [keyOf(r), r]));
  for (const node of await ctx.inventory(cluster)) for (const r of node.resources as unknown as Resource[]) merged.set(keyOf(r), r);
  return { state: ClusterState.from([...merged.values()]), position: current.position, ...(release ? { release } : {}) };
}
