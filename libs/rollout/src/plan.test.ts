// Rollout plans: the document from the issue is accepted with safe defaults filled in; mistakes
// are reported at their line and column with the field path; waves take clusters in order,
// deterministically, as the dry run prints them.
import { describe, expect, it } from 'vitest';
import { assignWaves, formatDuration, parseDuration, parsePlan, type PlanCluster } from './index.js';

const issueExample = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: { name: two-waves }
spec:
  waves:
    - { name: canary, clusterSelector: "env == 'staging'", soakTime: 0s }
    - { name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 0s }
`;

describe('parsePlan', () => {
  it("accepts the issue's example and fills in safe defaults", () => {
    const result = parsePlan(issueExample);
    expect(result.errors).toEqual([]);
    const [canary, prod] = result.plan!.spec.waves;
    expect(canary).toMatchObject({ name: 'canary', maxConcurrentClusters: 1, maxFailedClusters: 0, ackTimeout: '5m', soakTime: '0s', requireApproval: false });
    expect(canary!.gates).toEqual({ offlineAgentsTolerated: 0, maxApplyErrors: 0, newlyDeniedFlows: 0, denyRateIncreasePercent: 5, baselineWindow: '10m' });
    expect(prod!.maxConcurrentClusters).toBe(2);
    expect(result.plan!.spec.allowSelfApproval).toBe(false);
  });

  it('locates every problem: unknown fields, bad values, durations, selectors', () => {
    const result = parsePlan(`apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: bad}
spec:
  waves:
    - name: canary
      clusterSelector: "env == 'staging"
      soakTime: 5 minutes
    - name: prod
      maxConcurrentClusters: 0
      requireAproval: true
`);
    expect(result.errors).toEqual(
      [
        { path: 'spec.waves[0].soakTime', line: 8, column: 7, message: '"5 minutes" is not a duration: write it as 30s, 5m, 1h30m or 0s' },
        { path: 'spec.waves[1].maxConcurrentClusters', line: 10, column: 7, message: expect.stringMatching(/>=1|at least 1/) },
        { path: 'spec.waves[1]', line: 9, column: 7, message: '"requireAproval" is not a field here' },
      ].sort((a, b) => a.line - b.line),
    );
    // The selector is checked once the document's shape is right.
    const selector = parsePlan(issueExample.replace(`"env == 'staging'"`, `"env == 'staging"`));
    expect(selector.errors).toEqual([{ path: 'spec.waves[0].clusterSelector', line: 6, column: 23, message: expect.stringMatching(/position \d+ of the selector/) }]);
  });

  it('refuses duplicate wave names, a catch-all wave before others, and a second document', () => {
    const dup = parsePlan(issueExample.replace('name: prod', 'name: canary'));
    expect(dup.errors).toEqual([{ path: 'spec.waves[1].name', line: 7, column: 9, message: 'wave canary is already the name of wave 1' }]);
    const rest = parsePlan(issueExample.replace(`, clusterSelector: "env == 'staging'"`, ''));
    expect(rest.errors[0]!.message).toMatch(/takes every cluster left/);
    expect(parsePlan(issueExample + '---\n' + issueExample).errors[0]).toMatchObject({ line: 8, message: expect.stringMatching(/second document/) });
    expect(parsePlan('spec: [').errors[0]!.line).toBe(1);
    expect(parsePlan('').errors[0]!.message).toBe('the plan is empty');
  });
});

describe('durations', () => {
  it('reads and writes them as Kubernetes does', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('5 m')).toMatch(/not a duration/);
    expect(parseDuration('800h')).toMatch(/longer than 30 days/);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('assignWaves', () => {
  const clusters: PlanCluster[] = [
    { name: 'staging', labels: { env: 'staging', region: 'eu' } },
    { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
    { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
    { name: 'prod-ap', labels: { env: 'prod', region: 'ap' } },
    { name: 'dev', labels: { env: 'dev' } },
  ];
  it('takes each wave from what earlier waves left, in name order; reports what no wave takes', () => {
    const plan = parsePlan(issueExample).plan!;
    expect(assignWaves(plan, clusters)).toEqual({
      waves: [
        { name: 'canary', clusters: ['staging'] },
        { name: 'prod', clusters: ['prod-ap', 'prod-eu', 'prod-us'] },
      ],
      left: ['dev'],
      unknown: [],
    });
  });

  it('takes a share with percent, the rest with a last wave without a selector, and names unknown clusters', () => {
    const plan = parsePlan(`apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: staged}
spec:
  targets: {clusterSelector: "has(env) && env != 'dev'"}
  waves:
    - {name: canary, clusters: [staging, nowhere]}
    - {name: some-prod, clusterSelector: "env == 'prod'", percent: 25}
    - {name: rest}
`).plan!;
    expect(assignWaves(plan, clusters)).toEqual({
      waves: [
        { name: 'canary', clusters: ['staging'] },
        { name: 'some-prod', clusters: ['prod-ap'] },
        { name: 'rest', clusters: ['prod-eu', 'prod-us'] },
      ],
      left: [],
      unknown: ['nowhere'],
    });
  });
});
