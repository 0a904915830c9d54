// Rollouts recorded on the real stack (test/rollouts, with PALISADE_RECORD_HISTORIES=1) replayed
// against the workflow code as it is now: a change that would make a running rollout diverge
// (a command added, removed or reordered without patched()) fails here, before it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../worker.js';

const dir = join(import.meta.dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('recorded rollout histories', () => {
  it('are there to replay (completed, rolled back, aborted, and their clusters)', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });
  for (const file of files)
    it(`replays ${file} without diverging`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      // Files are named by the workflow id they ran under, "/" written "__".
      await expect(Worker.runReplayHistory({ workflowsPath: workflowsPath() }, history, file.replace(/\.json$/, '').replace(/__/g, '/'))).resolves.toBeUndefined();
    }, 60_000);
});
