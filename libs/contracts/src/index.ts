export { DependencyName, DependencyCheck, HealthReport, summarize } from './health.js';
export { ConfigError, parseEnv, serviceEnvShape, envFields, type ConfigIssue } from './env.js';
export { TASK_QUEUES, WORKFLOW_TYPES, type PlatformProbeResult } from './platform.js';
export { redactUrl } from './redact.js';
export { NodeName, ClusterName, AgentHeartbeat, AgentStatus } from './agent.js';
export { ROLES, Role, TokenRequest } from './auth.js';
