// The rollout's live status, as the workflow's status query returns it. Types only: shared by the
// workflow (apps/worker) and the gateway.
export type RolloutRunState = 'running' | 'waiting-approval' | 'paused' | 'completed' | 'failed' | 'aborted';
export type WaveRunState = 'pending' | 'waiting-approval' | 'running' | 'completed' | 'failed';
export type ClusterRunState = 'pending' | 'applying' | 'soaking' | 'succeeded' | 'failed' | 'rolled-back';

export interface RolloutStatus {
  id: string;
  state: RolloutRunState;
  reason: string | null;
  release: string;
  plan: string;
  waves: { name: string; state: WaveRunState; clusters: { name: string; state: ClusterRunState; acked: number; total: number; reason: string | null }[] }[];
  /** What tripped a gate: the offending flows or failed nodes. */
  evidence: unknown;
}

export interface ApproveInput {
  wave: string;
  actor: string;
  reason?: string;
}
export interface ControlInput {
  actor: string;
  reason?: string;
}
