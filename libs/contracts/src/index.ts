export { DependencyName, DependencyCheck, HealthReport, summarize, publicHealth } from './health.js';
export { ConfigError, parseEnv, serviceEnvShape, envFields, type ConfigIssue } from './env.js';
export { TASK_QUEUES, WORKFLOW_TYPES, type PlatformProbeResult } from './platform.js';
export { redactUrl } from './redact.js';
export { parseNatsUrl, type NatsServers } from './nats-url.js';
export { NodeName, ClusterName, AgentHeartbeat, AgentStatus, NodeState, LastDrift } from './agent.js';
export { AgentSettings, type AgentSettingsInput } from './agent-settings.js';
export { ROLES, Role, TokenRequest, tokenActor, parseTokenActor } from './auth.js';
export { RESOURCES_PER_CHANGE, CHANGE_BYTES_PER_RESOURCE, CHANGE_BYTES, EVENTS_PER_CHANGE, CHANGE_LIMIT_TEXT } from './limits.js';
export {
  ReleaseHash,
  TRACEPARENT,
  Traceparent,
  DesiredRelease,
  ReleaseHead,
  NodeEnforcement,
  NodeStatusReport,
  NodeInventory,
  INVENTORY_KINDS,
  INVENTORY_MAX_RESOURCES,
  nodeKeyToken,
  nodeFromKeyToken,
  AgentJoinRequest,
  AgentCredentials,
} from './agent-protocol.js';
export { canonicalJson } from './canonical.js';
export { FlowEndpoint, FlowAction, FlowRecord, FlowBatch, FLOW_BATCH_MAX_RECORDS } from './flows.js';
export { renderGauges, type Gauge } from './prometheus.js';
