import { parsePlan } from '@palisade/rollout';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { readInput } from './snapshot-input.js';

const label = (file: string) => (file === '-' ? '<stdin>' : file);

/** `rollout plan validate -f FILE`: checked here, with the same code the gateway runs; every problem with its line. */
export function planValidateCommand(file: string, output: 'text' | 'json'): number {
  const result = parsePlan(readInput(file));
  if (output === 'json') info(JSON.stringify({ file: label(file), valid: !!result.plan, ...(result.plan ? { plan: result.plan } : {}), errors: result.errors }, null, 2));
  else if (result.plan) {
    info(`valid    RolloutPlan ${result.plan.metadata.name}  (${label(file)})`);
    for (const w of result.plan.spec.waves)
      info(
        `         wave ${w.name}: ${w.clusters ? w.clusters.join(', ') : (w.clusterSelector ?? 'every cluster left')}${w.percent !== undefined ? ` (${w.percent}%)` : ''}, ${w.maxConcurrentClusters} at a time, soak ${w.soakTime}${w.requireApproval ? ', approval required' : ''}`,
      );
  } else {
    info(`INVALID  RolloutPlan  (${label(file)})`);
    for (const e of result.errors) info(`         ${label(file)}:${e.line}:${e.column}  ${e.path ? `${e.path}: ` : ''}${e.message}`);
  }
  return result.plan ? EXIT.OK : EXIT.FAILURE;
}

export async function planApplyCommand(remote: Remote, file: string, opts: { reason?: string; output: 'text' | 'json' }): Promise<number> {
  const text = readInput(file);
  const saved = await call(remote, () => connect(remote).rollouts.plans.save.mutate({ text, file: label(file), ...(opts.reason ? { reason: opts.reason } : {}) }));
  if (opts.output === 'json') info(JSON.stringify(saved, null, 2));
  else info(`rollout plan ${saved.name} ${saved.changed ? 'saved' : 'unchanged'} (version ${saved.version})`);
  return EXIT.OK;
}

export async function planListCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const plans = await call(remote, () => connect(remote).rollouts.plans.list.query());
  if (output === 'json') info(JSON.stringify(plans, null, 2));
  else info(table([['NAME', 'WAVES', 'VERSION', 'SAVED BY', 'SAVED AT'], ...plans.map((p) => [p.name, p.plan.spec.waves.map((w) => w.name).join(' > '), String(p.version), p.savedBy, p.savedAt])]));
  return EXIT.OK;
}

export async function planGetCommand(remote: Remote, name: string, output: 'yaml' | 'json'): Promise<number> {
  const plan = await call(remote, () => connect(remote).rollouts.plans.get.query({ name }));
  // YAML: the plan as it was written (with its comments); JSON: as checked, with every default.
  info(output === 'json' ? JSON.stringify(plan, null, 2) : plan.source.trimEnd());
  return EXIT.OK;
}

export async function planDeleteCommand(remote: Remote, name: string, reason?: string): Promise<number> {
  await call(remote, () => connect(remote).rollouts.plans.delete.mutate({ name, ...(reason ? { reason } : {}) }));
  info(`rollout plan ${name} deleted`);
  return EXIT.OK;
}

/** Which clusters each wave would take now: from a file, or a stored plan by name. */
export async function planDryRunCommand(remote: Remote, source: { file?: string; name?: string }, output: 'text' | 'json'): Promise<number> {
  const input = source.file !== undefined ? { text: readInput(source.file), file: label(source.file) } : { name: source.name! };
  const dry = await call(remote, () => connect(remote).rollouts.plans.dryRun.query(input));
  if (output === 'json') {
    info(JSON.stringify(dry, null, 2));
    return EXIT.OK;
  }
  info(`RolloutPlan ${dry.plan}: ${dry.waves.length} wave${dry.waves.length === 1 ? '' : 's'}`);
  dry.waves.forEach((w, i) => {
    const how = [
      `${w.maxConcurrentClusters} at a time`,
      `ack within ${w.ackTimeout}`,
      `soak ${w.soakTime}`,
      ...(w.maxFailedClusters ? [`${w.maxFailedClusters} may fail`] : []),
      ...(w.requireApproval ? ['waits for approval'] : []),
    ];
    info(`  ${i + 1}. ${w.name}: ${w.clusters.length ? w.clusters.join(', ') : '(no cluster)'}  [${how.join(', ')}]`);
  });
  if (dry.left.length) info(`  left on their current release (no wave takes them): ${dry.left.join(', ')}`);
  if (dry.unknown.length) info(`  named by the plan but not registered: ${dry.unknown.join(', ')}`);
  return EXIT.OK;
}
