import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info, note } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';

export interface RecommendOptions {
  namespace: string;
  selector?: string;
  window: string;
  cluster?: string;
  widenPorts: boolean;
  includeDenied: boolean;
  apply: boolean;
  reason?: string;
  output: 'yaml' | 'json';
}

const MINUTES: Record<string, number> = { m: 1, h: 60, d: 1_440 };

/** "30m", "2h", "7d" as minutes. */
export function windowMinutes(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text);
  const minutes = match ? Number(match[1]) * MINUTES[match[2]!]! : NaN;
  if (!(minutes >= 1 && minutes <= 7 * 1_440)) throw new InputError(`--window ${JSON.stringify(text)} is not a duration from 1m to 7d (30m, 2h, 7d)`);
  return minutes;
}

export async function recommendCommand(remote: Remote, options: RecommendOptions): Promise<number> {
  const api = connect(remote);
  const result = await call(remote, () =>
    api.recommend.generate.query({
      namespace: options.namespace,
      windowMinutes: windowMinutes(options.window),
      widenPorts: options.widenPorts,
      includeDenied: options.includeDenied,
      ...(options.selector ? { selector: options.selector } : {}),
      ...(options.cluster ? { cluster: options.cluster } : {}),
    }),
  );
  const resources = result.policies.map((p) => p.resource);
  if (options.output === 'json') info(JSON.stringify(result, null, 2));
  else info(resources.map((r) => stringify(r, { lineWidth: 0 })).join('---\n'));
  note(
    `${result.policies.length} staged ${result.policies.length === 1 ? 'policy' : 'policies'} for ${result.namespace}: ${result.ruleCount} rules for ${result.observedConversations} distinct observed conversations (${result.flowRecords} flow records, ${result.window.since} to ${result.window.until})${result.truncated ? '; the window held more conversations than were read' : ''}`,
  );
  for (const skipped of result.skipped) note(`not covered: ${skipped}`);
  if (result.deniedConversations > 0) note(`${result.deniedConversations} conversations that policy denied in the window are not allowed by these; --include-denied allows them too`);
  if (!options.apply) return EXIT.OK;
  if (resources.length === 0) {
    note('nothing to save');
    return EXIT.OK;
  }
  const saved = await call(remote, () => api.resources.put.mutate({ resources, reason: options.reason ?? `recommended from ${options.window} of flows` }));
  note(`saved as staged: ${saved.changes.map((c) => `${c.key} (${c.op})`).join(', ')}; promote with: palisade recommend promote ${saved.changes.map((c) => c.key).join(' ')}`);
  return EXIT.OK;
}

export async function promoteCommand(remote: Remote, keys: string[], reason: string | undefined): Promise<number> {
  const api = connect(remote);
  const result = await call(remote, () => api.recommend.promote.mutate({ keys, ...(reason ? { reason } : {}) }));
  for (const c of result.changes) info(`${c.key} ${c.op}`);
  return EXIT.OK;
}
