/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
// The console's flow view and recommendations under load (part of `npx nx run console:bench`):
//  flowView     100,000 flow records in the last hour: navigation start to the chart drawn
//  liveStream   2,000 records/s stored for LIVE_SECONDS while the flow view is open: how far behind
//               the newest row on screen is (sampled each second), and rows the page received
//  recommend    a namespace of 50 workloads with an hour of flows: recommend.generate through the
//               gateway, wall time
import type { Browser } from 'playwright-core';
import type { FlowRecord } from '@palisade/contracts';
import type { DbClient } from '@palisade/event-store';
import { insertFlows } from '@palisade/flow-store';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { percentile, round } from '@palisade/testing';

const LIVE_SECONDS = Number(process.env['LIVE_SECONDS'] ?? 15);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let serial = 0;
/** A flow record between two of a namespace's workloads (`workloads` of them, 2 pods each). */
function record(at: number, workloads: number, namespace = 'bench', action: FlowRecord['action'] = 'Allow'): FlowRecord {
  const n = serial++;
  const from = n % workloads;
  const to = (from * 7 + 1 + (n % 3)) % workloads;
  const end = (w: number, replica: number) => ({ namespace, name: `svc-${w}-${replica}`, labels: { app: `svc-${w}`, 'pod-template-hash': 'h' }, ip: `10.${50 + (w >> 8)}.${w & 255}.${replica + 1}` });
  return {
    id: n.toString(16).padStart(32, '0'),
    cluster: 'bench',
    node: `node-${from % 10}`,
    reporter: n % 2 ? 'src' : 'dst',
    startTime: new Date(at).toISOString(),
    endTime: new Date(at + 1_000).toISOString(),
    source: end(from, n % 2),
    destination: end(to, (n >> 1) % 2),
    protocol: 'TCP',
    port: 8000 + (to % 20),
    action: n % 10 === 0 ? 'Deny' : action,
    policy: n % 10 === 0 ? 'default/end-of-tier' : `default/NetworkPolicy/${namespace}/svc-${to}/0`,
    packets: 10,
    bytes: 1_000,
    connectionsStarted: 1,
    connectionsCompleted: 1,
  };
}

async function insert(db: DbClient, records: FlowRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 5_000) await insertFlows(db, records.slice(i, i + 5_000));
}

const summary = (values: number[]) => ({ median: round(percentile(values, 50), 0), p90: round(percentile(values, 90), 0), max: round(Math.max(...values), 0), samples: values.length });

export async function measureFlows(options: { browser: Browser; origin: string; cookie: { name: string; value: string }; db: DbClient; gatewayUrl: string; token: string; runs: number }) {
  const { browser, origin, cookie, db } = options;
  const now = Date.now();
  // 100,000 records spread over the last hour, in 50 workloads.
  const seedStarted = Date.now();
  await insert(
    db,
    Array.from({ length: 100_000 }, (_, i) => record(now - 3_600_000 + Math.floor((i * 3_590_000) / 100_000), 50)),
  );
  const seedMs = Date.now() - seedStarted;

  const firstChart: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const context = await browser.newContext({ baseURL: origin });
    await context.addCookies([{ ...cookie, url: origin }]);
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __chart?: number };
      new MutationObserver((_m, observer) => {
        if (document.querySelector('[data-testid="flow-chart"] .recharts-area-area')) {
          w.__chart = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto('/flows');
    await page.locator('[data-testid="flow-chart"] .recharts-area-area').first().waitFor({ timeout: 60_000 });
    firstChart.push(await page.evaluate(() => (window as unknown as { __chart: number }).__chart));
    await context.close();
  }

  // The live stream: 2,000 records a second stored while the page shows them.
  const context = await browser.newContext({ baseURL: origin });
  await context.addCookies([{ ...cookie, url: origin }]);
  const page = await context.newPage();
  await page.goto('/flows');
  await page.locator('[data-testid="flow-chart"]').waitFor({ timeout: 60_000 });
  const lags: number[] = [];
  let stored = 0;
  const writer = (async () => {
    for (let s = 0; s < LIVE_SECONDS; s++) {
      const tick = Date.now();
      await insert(
        db,
        Array.from({ length: 2_000 }, () => record(Date.now(), 50)),
      );
      stored += 2_000;
      await sleep(Math.max(0, 1_000 - (Date.now() - tick)));
    }
  })();
  for (let s = 0; s < LIVE_SECONDS + 3; s++) {
    await sleep(1_000);
    const newest = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('[data-testid="live-flows"] tr[data-start]')].map((r) => Date.parse(r.getAttribute('data-start')!))));
    if (newest > 0 && s >= 2 && s < LIVE_SECONDS) lags.push(Date.now() - newest);
  }
  await writer;
  await context.close();

  // Recommendations for the 50-workload namespace over its hour of flows, through the gateway.
  const recommendMs: number[] = [];
  let shape: Record<string, unknown> = {};
  for (let run = 0; run < options.runs; run++) {
    const started = performance.now();
    const res = await fetch(`${options.gatewayUrl}/trpc/recommend.generate?input=${encodeURIComponent(JSON.stringify({ namespace: 'bench', windowMinutes: 60 }))}`, {
      headers: { authorization: `Bearer ${options.token}` },
    });
    const body = (await res.json()) as { result?: { data: { policies: unknown[]; ruleCount: number; observedConversations: number; flowRecords: number } }; error?: unknown };
    recommendMs.push(performance.now() - started);
    if (!body.result) throw new Error(`recommend.generate failed: ${JSON.stringify(body.error).slice(0, 500)}`);
    const d = body.result.data;
    shape = { policies: d.policies.length, rules: d.ruleCount, conversations: d.observedConversations, flowRecords: d.flowRecords };
  }

  return {
    flowView: { records: 100_000, seedMs, firstChartMs: summary(firstChart) },
    liveStream: {
      recordsPerSecond: 2_000,
      seconds: LIVE_SECONDS,
      stored,
      newestRowBehindMs: summary(lags),
      note: 'how far the newest row on screen is behind now, sampled each second while 2,000 records/s are stored (the page shows the newest 200)',
    },
    recommend: { workloads: 50, windowMinutes: 60, ms: summary(recommendMs), ...shape },
  };
}
