export { appRouter, createCaller, type AppRouter } from './router.js';
export type { ApiContext, AgentIssuerPort } from './trpc.js';
export { ROLES, authorize, authorizeWrite, permissionFor, tierOf, type Role, type Principal, type Permission, type Decision } from './authz/roles.js';
export { RolloutRefusedError, type RolloutEnginePort } from './rollout-engine.js';
