import type { PlatformProbeResult } from '@palisade/contracts';

export interface WorkerInfo {
  identity: string;
  version: string;
}

/** Activities close over what the worker knows about itself; workflows reach them by name. */
export function createActivities(info: WorkerInfo) {
  return {
    async describeWorker(echo: string): Promise<PlatformProbeResult> {
      return { workerIdentity: info.identity, workerVersion: info.version, ranAt: new Date().toISOString(), echo };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
