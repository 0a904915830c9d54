// Recorded workflow histories, fetched from the test Temporal server and replayed against the
// built workflow code: how a test shows that a change to the workflows keeps running rollouts
// (and the ones it just recorded) deterministic.
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ensureTestServices } from '@palisade/testing';
import { root } from '../support/cli.js';

export interface RecordedHistory {
  workflowId: string;
  history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
}

/** Every workflow execution's history that a visibility query finds (`TaskQueue = '…'`, `WorkflowId STARTS_WITH '…'`). */
export async function fetchHistories(query: string): Promise<RecordedHistory[]> {
  const services = await ensureTestServices();
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    const client = new Client({ connection, namespace: services.temporalNamespace });
    const histories: RecordedHistory[] = [];
    for await (const execution of client.workflow.list({ query }))
      histories.push({ workflowId: execution.workflowId, history: await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory() });
    return histories;
  } finally {
    await connection.close();
  }
}

/** Replays a history against apps/worker's built workflows; rejects on any nondeterminism. */
export const replayHistory = (h: RecordedHistory): Promise<void> => Worker.runReplayHistory({ workflowsPath: join(root, 'apps', 'worker', 'dist', 'workflows', 'index.js') }, h.history, h.workflowId);
