// What Palisade's events mean: resources validated by the engine and changed under a policy-set
// revision, releases, clusters, API tokens, audit queries and the domain projection, all written
// to and read from the log of @palisade/event-store.
export { DomainError, ValidationFailedError, type DomainErrorCode, type ResourceProblem } from './errors.js';
export type { ChangeMeta } from './change.js';
export { resourceStream, POLICY_SET_COUNTER, type ResourceEventPayload } from './resources/streams.js';
export { validateResources, validateFiles } from './resources/validate.js';
export { applyResources, deleteResources, currentRevision, type ChangeResult, type ResourceChange, type WriteOptions } from './resources/write.js';
export { groupCommitStats, type WriteGroupStats } from './resources/group-commit.js';
export {
  getResource,
  listResources,
  loadPolicySet,
  policySetChanges,
  lastChanges,
  type LastChange,
  type StoredResource,
  type ResourceQuery,
  type ResourcePage,
  type PolicySet,
} from './resources/read.js';
export { createRelease, resolveRelease, releaseContent, diffReleases, listReleases, releaseHash, releaseStream, type ReleaseInfo, type ReleaseContent, type ReleaseSummary } from './releases.js';
export {
  registerCluster,
  setDesiredRelease,
  reportObservedRelease,
  clusterView,
  listClusters,
  clusterStream,
  desiredReleaseChanges,
  type ClusterView,
  type ClusterSummary,
  type DesiredReleaseChange,
} from './clusters.js';
export { diffValues, diffResourceSets, formatDiff, type ResourceSetDiff, type FieldChange } from './diff.js';
export { domainProjection, DOMAIN_PROJECTION } from './projection.js';
export { auditLog, resourceAsOf, resourcesAsOf, resourcesByProbe, diffBetween, positionOf, type AuditFilter, type AuditPage, type AsOf } from './audit.js';
export { takeSnapshot, snapshotLag, SnapshotAuthError, SNAPSHOT_INTERVAL, type SnapshotOptions } from './resources/snapshots.js';
export { createToken, authenticate, revokeToken, listTokens, bootstrapAdminToken, tokenStream, type TokenInfo, type TokenPrincipal } from './tokens.js';
export { createJoinToken, checkJoinToken, listJoinTokens, revokeJoinToken, joinTokenStream, JOIN_TOKEN_HOURS, type JoinTokenInfo } from './join-tokens.js';
export { recordAgentJoin, revokeAgentCredentials, revokedAgentKeys, agentStream, type AgentJoin } from './agent-credentials.js';
export { checkPlan, savePlan, deletePlan, getPlan, listPlans, rolloutPlanStream, type StoredPlan } from './rollout-plans.js';
export {
  startRollout,
  recordRolloutStep,
  endRollout,
  rolloutView,
  listRollouts,
  foldRollout,
  rolloutStream,
  clusterRolloutStream,
  ROLLOUT_STEPS,
  type RolloutStep,
  type RolloutView,
  type RolloutState,
  type ClusterState,
} from './rollouts.js';
