import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, connect } from '../../remote/client.js';
import type { Remote } from '../../remote/config.js';
import { DEMO_CLUSTERS, DEMO_NODES, DEMO_PLAN, DEMO_POLICIES, DEMO_TRAFFIC } from './content.js';

/** Where a stack keeps its demo: the simulated agents' token (0600), their traffic mix, and what was seeded. */
export function demoPaths(home: string) {
  const dir = join(home, 'demo');
  return { dir, token: join(dir, 'agents.token'), traffic: join(dir, 'traffic.yaml'), seeded: join(dir, 'seeded.json') };
}

/** What the demo seeded (`<home>/demo/seeded.json`): for people and support, not read back. */
export interface DemoSeeded {
  release: string;
  rollout: string | null;
}

const REASON = 'palisade up: the demo';

/**
 * Seeds the demo through the gateway, as the admin of the first start, so every step is an
 * audited change like any other: the three clusters, the policy guide's examples for the shop,
 * the first release and the plan to roll it out with, and a token for the simulated agents.
 */
export async function seedDemo(remote: Remote, home: string, log: (line: string) => void): Promise<{ release: string }> {
  const api = connect(remote);
  const paths = demoPaths(home);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  for (const cluster of DEMO_CLUSTERS) await call(remote, () => api.clusters.register.mutate({ name: cluster.name, labels: { ...cluster.labels }, reason: REASON }));
  log(`demo: registered clusters ${DEMO_CLUSTERS.map((c) => c.name).join(', ')}`);
  const applied = await call(remote, () => api.resources.put.mutate({ documents: DEMO_POLICIES, reason: "the Calico policy guide's examples, written for the demo shop" }));
  log(`demo: applied ${applied.changes.length} policies`);
  const release = await call(remote, () => api.releases.create.mutate({ reason: "the first release: the policy guide's examples" }));
  await call(remote, () => api.rollouts.plans.save.mutate({ text: DEMO_PLAN, reason: REASON }));
  const made = await call(remote, () =>
    api.tokens.create.mutate({ token: { name: 'demo-agents', role: 'admin', expiresInDays: 365 }, reason: 'the demo: simulated agents join its clusters with it' }),
  );
  writeFileSync(paths.traffic, DEMO_TRAFFIC);
  // Last: the token's file is what makes later starts run the simulated agents.
  writeFileSync(paths.token, made.token + '\n', { mode: 0o600 });
  return { release: release.hash };
}

/**
 * Once the simulated agents report, rolls the first release out with the demo's plan (so its
 * traffic gate has traffic to judge), and records what was seeded.
 */
export async function startDemoRollout(remote: Remote, home: string, release: string, log: (line: string) => void, timeoutMs = 120_000): Promise<string | null> {
  const api = connect(remote);
  const expected = DEMO_CLUSTERS.length * DEMO_NODES;
  const deadline = Date.now() + timeoutMs;
  let alive = 0;
  while (Date.now() < deadline) {
    alive = (await call(remote, () => api.agents.list.query({}))).filter((a) => a.alive).length;
    if (alive >= expected) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  let rollout: string | null = null;
  if (alive < expected)
    log(
      `demo: only ${alive} of ${expected} simulated agents reported within ${timeoutMs / 1000} s; start the rollout yourself: palisade rollout start --release ${release.slice(0, 12)} --plan demo-waves`,
    );
  else {
    // A minute of traffic before the change would make a fuller baseline; a few seconds is enough to judge by.
    await new Promise((r) => setTimeout(r, 5_000));
    rollout = (await call(remote, () => api.rollouts.start.mutate({ release, plan: { name: 'demo-waves' }, reason: 'the demo: the first release, in waves' }))).id;
    log(`demo: rolling release ${release.slice(0, 12)} out in waves (rollout ${rollout})`);
  }
  writeFileSync(demoPaths(home).seeded, JSON.stringify({ release, rollout } satisfies DemoSeeded) + '\n');
  return rollout;
}
