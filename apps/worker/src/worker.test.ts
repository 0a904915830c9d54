import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES, type PlatformProbeResult } from '@palisade/contracts';
import { testServices, uniqueName } from '@palisade/testing';
import { createWorker, workflowsPath } from './worker.js';

describe('worker against the Temporal dev server', () => {
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    const s = testServices();
    connection = await Connection.connect({ address: s.temporalAddress });
    client = new Client({ connection, namespace: s.temporalNamespace });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('executes the probe workflow and its activity, and the history replays deterministically', async () => {
    const s = testServices();
    const taskQueue = uniqueName('worker-test');
    const { worker, connection: workerConnection } = await createWorker({ address: s.temporalAddress, namespace: s.temporalNamespace, taskQueue, version: '9.9.9', identity: 'test-worker' });
    const workflowId = uniqueName('probe');
    try {
      const result = await worker.runUntil(
        client.workflow.execute<(echo: string) => Promise<PlatformProbeResult>>(WORKFLOW_TYPES.platformProbe, {
          taskQueue,
          workflowId,
          args: ['hello palisade'],
          workflowExecutionTimeout: '30 seconds',
        }),
      );
      expect(result).toMatchObject({ workerIdentity: 'test-worker', workerVersion: '9.9.9', echo: 'hello palisade' });
      expect(Number.isNaN(Date.parse(result.ranAt))).toBe(false);
    } finally {
      await workerConnection.close();
    }

    // The server recorded the run; replaying its history against the same code must not diverge.
    const handle = client.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowsPath: workflowsPath() }, history, workflowId)).resolves.toBeUndefined();
  });
});
