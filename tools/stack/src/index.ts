export { StackError, isStackError, describeError, type StackComponent, type StackErrorCode } from './errors.js';
export { redactUrl } from '@palisade/contracts';
export { pickPort, isPortFree } from './ports.js';
export { findWorkspaceRoot, cacheDir, stackPaths, type StackPaths } from './paths.js';
export { isAlive, stopProcessGroup } from './process.js';
export { readState, acquireLock, type StackState, type ServiceRecord, type ProcessRecord } from './state.js';
export { waitFor, withTimeout, sleep } from './wait.js';
export { probePostgres, startPrivatePostgres, stopPrivatePostgres, postgresFallbackRoot, DATABASE_NAME, type PrivatePostgresOptions } from './services/postgres.js';
export { probeNats, startPrivateNats, type PrivateNatsOptions } from './services/nats.js';
export { writeNatsDeploymentAuth, type NatsDeploymentFiles } from './services/nats-deployment.js';
export { probeTemporal, ensureTemporalBinary, temporalBinaryPath, TEMPORAL_CLI_VERSION } from './services/temporal.js';
export {
  upServices,
  down,
  stopProcesses,
  status,
  startProcess,
  SUPERVISOR,
  serviceEnv,
  probe,
  SERVICE_NAMES,
  type ServiceName,
  type StackOptions,
  type ProcessSpec,
  type DownReport,
  type ComponentStatus,
} from './stack.js';
export { aptInstall } from './apt.js';
export { Supervisor, DEFAULT_RESTART_POLICY, type RestartPolicy, type SupervisorOutcome } from './supervise.js';
export { stackEventKey, stackConsoleSessionKey, appLoginPassword, withLogin, APP_LOGIN } from './secrets.js';
