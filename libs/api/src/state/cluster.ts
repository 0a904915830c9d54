import { TRPCError } from '@trpc/server';
import { ClusterState, keyOf, type Resource } from '@palisade/engine';
import type { ApiContext } from '../trpc.js';
import { currentState, type CurrentState } from './current.js';

/**
 * The current state, or with a cluster: that state with the endpoints the cluster's agents report
 * laid over it (a live endpoint beats a stale copy in the policy set), as its agents compile it.
 */
export async function stateFor(ctx: Pick<ApiContext, 'db' | 'horizon' | 'inventory'>, cluster: string | undefined): Promise<CurrentState> {
  const current = await currentState(ctx.db!, ctx.horizon);
  if (!cluster) return current;
  if (!ctx.inventory) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: "this gateway has no connection to the agents' inventory (NATS)" });
  const merged = new Map(current.state.resources().map((r) => [keyOf(r), r]));
  for (const node of await ctx.inventory(cluster)) for (const r of node.resources as unknown as Resource[]) merged.set(keyOf(r), r);
  return { state: ClusterState.from([...merged.values()]), position: current.position };
}
