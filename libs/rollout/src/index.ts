// @palisade/rollout: the RolloutPlan document (validated with located errors) and which clusters
// each of its waves takes. Pure: the worker, the gateway and the CLI share it.
export { formatDuration, parseDuration, MAX_DURATION_MS } from './duration.js';
export { RolloutPlan, RolloutPlanSpec, Wave, WaveGates, type RolloutPlanInput } from './plan.js';
export { parsePlan, MAX_PLAN_CHARACTERS, type PlanError, type PlanParseResult } from './parse-plan.js';
export { assignWaves, type PlanAssignment, type PlanCluster, type WaveAssignment } from './waves.js';
export { judgeAcks, judgeTraffic, type AckVerdict, type NodeAck, type NewlyDenied, type TrafficVerdict, type WindowFlow } from './gates.js';
export { DriveRequests, workflowInput, type DriveOperation, type DriveRequest, type DriveReply, type RolloutWorkflowInput, type WorkflowWave } from './drive.js';
export type { RolloutStatus, RolloutRunState, WaveRunState, ClusterRunState, ApproveInput, ControlInput } from './status.js';
