// All-pairs connectivity benchmark: a whole cluster's pod-to-pod reachability by equivalence
// classes (`palisade simulate --all-pairs`), from reading its YAML to the summary, against deciding every pair one by one through
// evaluateFlow (what `palisade simulate --probes` does) in the same run. Every answer of the
// baseline must equal the classes' answer, or the bench fails. Single-threaded.
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks measure the built package, as the agents and the gateway run it
import { AllPairs, ClusterState, evaluateFlow, formatRange, parsePortList, validateDocuments, type PortUniverse, type Resource } from '@palisade/engine';
import { stringify } from 'yaml';
import { k8sCluster } from './k8s-cluster.js';
import { mulberry32, round, time } from './support.js';

const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** The cluster as YAML files of at most 5,000 documents (an input's limit is 10,000), as `-f DIR` reads them. */
function yamlFiles(resources: Resource[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < resources.length; i += 5_000)
    files.push(
      resources
        .slice(i, i + 5_000)
        .map((r) => stringify(r))
        .join('---\n'),
    );
  return files;
}

/**
 * One run from YAML text, as the CLI does it: read and validate every document, build the state,
 * decide every pair (visiting each once, as the CLI's writer does, when asked) and the summary.
 */
function classesRun(files: string[], ports: PortUniverse | undefined, visitPairs: boolean) {
  const parse = time(() =>
    files.flatMap((text) => {
      const result = validateDocuments(text);
      const problems = [...result.errors, ...result.documents.flatMap((d) => d.errors)];
      if (problems.length) throw new Error(`the generated cluster has invalid documents: ${JSON.stringify(problems.slice(0, 3))}`);
      return result.documents.map((d) => d.resource!);
    }),
  );
  const build = time(() => ClusterState.from(parse.result));
  const state = build.result;
  if (state.errors.length) throw new Error(`the generated cluster is inconsistent: ${JSON.stringify(state.errors.slice(0, 3))}`);
  let visited = 0;
  let connected = 0;
  const decide = time(() => {
    const all = new AllPairs(state, ports ? { ports } : {});
    if (visitPairs)
      all.forEachPair((_from, _to, allowed) => {
        visited++;
        if (allowed.length) connected++;
      });
    const summary = all.summary();
    return { all, summary };
  });
  const { all, summary } = decide.result;
  if (!visitPairs) connected = summary.reduce((n, r) => n + r.connected, 0);
  const pairs = summary.reduce((n, r) => n + r.pairs, 0);
  if (visitPairs && visited !== pairs) throw new Error(`visited ${visited} pairs, the summary counts ${pairs}`);
  return {
    state,
    all,
    parseMs: round(parse.ms, 1),
    buildMs: round(build.ms, 1),
    decideMs: round(decide.ms, 1),
    totalMs: round(parse.ms + build.ms + decide.ms, 1),
    pairs,
    connected,
    classes: all.classCount,
    evaluations: all.evaluations,
    method: all.method,
  };
}

/** The answer pair by pair and port by port: every universe port is one evaluateFlow. */
function pairAnswer(state: ClusterState, from: string, to: string, universe: PortUniverse): string[] {
  const entries: string[] = [];
  for (const [protocol, ranges] of universe) {
    for (const range of ranges) {
      let open: { min: number; max: number } | undefined;
      for (let port = range.min; port <= range.max; port++) {
        const allowed = evaluateFlow(state, { from, to, protocol, port }).allowed;
        if (allowed && open) open.max = port;
        else if (allowed) open = { min: port, max: port };
        else if (open) {
          entries.push(formatRange(protocol, open));
          open = undefined;
        }
      }
      if (open) entries.push(formatRange(protocol, open));
    }
  }
  return entries;
}

export function allPairsBench() {
  const ports = parsePortList('80,443,8080,5432,udp/53');
  const portsText = '80,443,8080,5432,udp/53';
  const portCount = [...ports.values()].reduce((n, list) => n + list.reduce((m, r) => m + r.max - r.min + 1, 0), 0);

  // --- 1,000 pods / 200 policies: classes, then every pair one by one ------------------------------
  // The median of three runs, each on a fresh state (nothing compiled).
  const smallFiles = yamlFiles(k8sCluster(1_000, 200));
  const trials = [0, 1, 2].map(() => classesRun(smallFiles, ports, true));
  const small = trials.sort((a, b) => a.totalMs - b.totalMs)[1]!;
  trials.length = 0;
  const smallRss = maxRssMiB();
  const ids = small.all.classes.endpoints.map((e) => e.id);
  let disagreements = 0;
  const baseline = time(() => {
    let connected = 0;
    for (let i = 0; i < ids.length; i++) {
      for (let j = 0; j < ids.length; j++) {
        if (i === j) continue;
        const answer = pairAnswer(small.state, ids[i]!, ids[j]!, ports);
        if (answer.length) connected++;
        if (answer.join(' ') !== small.all.allowed(i, j).join(' ')) disagreements++;
      }
    }
    return connected;
  });
  if (disagreements) throw new Error(`all-pairs disagrees with pair-by-pair evaluation on ${disagreements} pairs`);
  const everyPortSmall = classesRun(smallFiles, undefined, true);

  // --- 10,000 pods / 2,000 policies: the summary; a sample of pairs checked one by one ------------
  const largeFiles = yamlFiles(k8sCluster(10_000, 2_000));
  const large = classesRun(largeFiles, ports, false);
  const largeRss = maxRssMiB();
  const random = mulberry32(5);
  const largeIds = large.all.classes.endpoints.map((e) => e.id);
  let largeDisagreements = 0;
  const SAMPLE = 2_000;
  const sample = Array.from({ length: SAMPLE }, () => {
    const i = Math.floor(random() * largeIds.length);
    const j = Math.floor(random() * (largeIds.length - 1));
    return [i, j >= i ? j + 1 : j] as const;
  });
  for (const [i, j] of sample) if (pairAnswer(large.state, largeIds[i]!, largeIds[j]!, ports).join(' ') !== large.all.allowed(i, j).join(' ')) largeDisagreements++;
  if (largeDisagreements) throw new Error(`all-pairs disagrees with pair-by-pair evaluation on ${largeDisagreements} of ${SAMPLE} sampled pairs`);
  // Timed on a second pass, with every chain the sample needs already compiled: a lower bound on
  // what deciding all 100 M pairs one by one (not run) would take.
  const sampled = time(() => {
    for (const [i, j] of sample) pairAnswer(large.state, largeIds[i]!, largeIds[j]!, ports);
  });
  const everyPortLarge = classesRun(largeFiles, undefined, false);

  const results = {
    workload: `generated Kubernetes clusters of plain NetworkPolicies (bench/k8s-cluster.ts): 20 pods per namespace in deployments of 2-5 replicas, 4 policies per namespace; ports ${portsText} (${portCount} ports) unless "every port"`,
    small: {
      pods: 1_000,
      policies: 200,
      pairs: small.pairs,
      connected: small.connected,
      classes: small.classes,
      method: small.method,
      chainWalks: small.evaluations,
      parseMs: small.parseMs,
      buildMs: small.buildMs,
      decideMs: small.decideMs,
      totalMs: small.totalMs,
      maxRssMiB: smallRss,
      pairByPairMs: round(baseline.ms, 0),
      pairByPairEvaluations: small.pairs * portCount,
      pairByPairDisagreements: disagreements,
      speedupOverPairByPair: round(baseline.ms / small.decideMs, 1),
      everyPortTotalMs: everyPortSmall.totalMs,
      everyPortConnected: everyPortSmall.connected,
      target: 'under 2000 ms and 500 MiB',
      meetsTarget: small.totalMs < 2_000 && everyPortSmall.totalMs < 2_000 && smallRss < 500,
    },
    large: {
      pods: 10_000,
      policies: 2_000,
      pairs: large.pairs,
      connected: large.connected,
      classes: large.classes,
      method: large.method,
      chainWalks: large.evaluations,
      parseMs: large.parseMs,
      buildMs: large.buildMs,
      decideMs: large.decideMs,
      totalMs: large.totalMs,
      maxRssMiB: largeRss,
      sampledPairs: SAMPLE,
      sampledDisagreements: largeDisagreements,
      pairByPairLowerBoundMs: round((sampled.ms / SAMPLE) * large.pairs, 0),
      speedupOverPairByPairAtLeast: round(((sampled.ms / SAMPLE) * large.pairs) / large.decideMs, 0),
      everyPortTotalMs: everyPortLarge.totalMs,
      everyPortConnected: everyPortLarge.connected,
      target: 'within 60000 ms',
      meetsTarget: large.totalMs < 60_000 && everyPortLarge.totalMs < 60_000,
    },
  };
  const s = results.small;
  const l = results.large;
  console.log(
    `all pairs, ${s.pods} pods / ${s.policies} policies: ${s.totalMs} ms (read YAML ${s.parseMs} + build ${s.buildMs} + decide ${s.decideMs}), ${s.classes} classes, ${s.chainWalks} chain walks, max RSS ${s.maxRssMiB} MiB; every port ${s.everyPortTotalMs} ms; pair by pair ${s.pairByPairMs} ms (${s.speedupOverPairByPair}x, ${s.pairByPairDisagreements} disagreements); target: ${s.meetsTarget ? 'met' : 'NOT met'}`,
  );
  console.log(
    `all pairs, ${l.pods} pods / ${l.policies} policies: ${l.totalMs} ms (read YAML ${l.parseMs} + build ${l.buildMs} + decide ${l.decideMs}), ${l.classes} classes, max RSS ${l.maxRssMiB} MiB; every port ${l.everyPortTotalMs} ms; ${l.sampledPairs} sampled pairs agree; pair by pair at least ${l.pairByPairLowerBoundMs} ms (estimated from the warm sample); target: ${l.meetsTarget ? 'met' : 'NOT met'}`,
  );
  return results;
}
