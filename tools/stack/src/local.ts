// The light part of the stack library: errors, paths and the state file, without the service
// clients (pg, NATS, Temporal), so a CLI command that only needs to find the local stack starts fast.
export { StackError, isStackError, type StackComponent, type StackErrorCode } from './errors.js';
export { findWorkspaceRoot, stackPaths, type StackPaths } from './paths.js';
export { readState, type StackState } from './state.js';
