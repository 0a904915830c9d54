import { Client, Connection } from '@temporalio/client';
import { HealthReport, TASK_QUEUES, WORKFLOW_TYPES, type PlatformProbeResult } from '@palisade/contracts';
import { withTimeout } from '@palisade/stack';

/** Resolves with the report once the gateway says it is ready; throws the reason it is not (why, with a token). */
export async function gatewayReady(url: string, token?: string): Promise<HealthReport> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000), ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  const report = HealthReport.parse(await res.json());
  if (report.status !== 'ok') {
    const down = report.checks.filter((c) => !c.ok && c.required).map((c) => (c.detail ? `${c.name}: ${c.detail}` : `${c.name} down`));
    throw new Error(`not ready (${down.join('; ')})`);
  }
  return report;
}

export async function httpOk(url: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
}

/** True once a worker whose identity names this pid polls the rollouts task queue. */
export async function workerPolling(address: string, namespace: string, pid: number): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 3_000 });
  try {
    const queue = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: TASK_QUEUES.rollouts }, taskQueueType: 1 });
    const mine = (queue.pollers ?? []).some((p) => (p.identity ?? '').includes(`/${pid}@`));
    if (!mine) throw new Error(`worker ${pid} is not polling ${TASK_QUEUES.rollouts} yet`);
  } finally {
    await connection.close();
  }
}

/** Runs the probe workflow end to end: proves a worker executes workflows and activities. */
export async function runProbeWorkflow(address: string, namespace: string, timeoutMs = 15_000): Promise<PlatformProbeResult & { ms: number }> {
  const connection = await Connection.connect({ address, connectTimeout: 3_000 });
  try {
    const client = new Client({ connection, namespace });
    const started = Date.now();
    const result = await withTimeout(
      client.workflow.execute<(echo: string) => Promise<PlatformProbeResult>>(WORKFLOW_TYPES.platformProbe, {
        taskQueue: TASK_QUEUES.rollouts,
        workflowId: `palisade-status-probe-${Date.now()}-${process.pid}`,
        args: ['status'],
        workflowExecutionTimeout: `${Math.ceil(timeoutMs / 1000)} seconds`,
      }),
      timeoutMs,
      `the probe workflow did not complete within ${timeoutMs} ms (is a worker running?)`,
    );
    return { ...result, ms: Date.now() - started };
  } finally {
    await connection.close();
  }
}
