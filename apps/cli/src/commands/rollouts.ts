import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { readInput } from './snapshot-input.js';

type Status = Awaited<ReturnType<ReturnType<typeof connect>['rollouts']['status']['query']>>;

const ENDED = new Set(['completed', 'failed', 'aborted']);

export async function rolloutStartCommand(remote: Remote, opts: { release: string; plan: string; reason?: string; output: 'text' | 'json' }): Promise<number> {
  // A plan is a stored plan's name, or a file (anything with a dot or a slash, or - for stdin).
  const isFile = opts.plan === '-' || /[./]/.test(opts.plan);
  const plan = isFile ? { text: readInput(opts.plan), file: opts.plan === '-' ? '<stdin>' : opts.plan } : { name: opts.plan };
  const started = await call(remote, () => connect(remote).rollouts.start.mutate({ release: opts.release, plan, ...(opts.reason ? { reason: opts.reason } : {}) }));
  if (opts.output === 'json') info(JSON.stringify(started, null, 2));
  else {
    info(`rollout ${started.id} started`);
    started.waves.forEach((w, i) => info(`  ${i + 1}. ${w.name}: ${w.clusters.join(', ') || '(no cluster)'}`));
    info(`follow it with: palisade rollout status ${started.id} --watch`);
  }
  return EXIT.OK;
}

function render(s: Status): string {
  const lines = [`rollout ${s.id}  ${s.state.toUpperCase()}  release ${s.release.slice(0, 12)}  plan ${s.plan}  started by ${s.startedBy}`];
  if (s.reason) lines.push(`  reason: ${s.reason}`);
  for (const w of s.waves) {
    lines.push(`  wave ${w.name}: ${w.state}${w.approvedBy ? ` (approved by ${w.approvedBy})` : ''}`);
    for (const c of w.clusters) lines.push(`    ${c.name.padEnd(24)} ${c.state.padEnd(12)} ${c.total ? `${c.acked}/${c.total} acked` : ''}${c.reason ? `  ${c.reason}` : ''}`);
  }
  return lines.join('\n');
}

export async function rolloutStatusCommand(remote: Remote, id: string | undefined, opts: { watch: boolean; output: 'text' | 'json' }): Promise<number> {
  const client = connect(remote);
  const rolloutId = id ?? (await call(remote, () => client.rollouts.list.query({ limit: 1 })))[0]?.id;
  if (!rolloutId) {
    info('no rollout yet');
    return EXIT.OK;
  }
  let last = '';
  for (;;) {
    const status = await call(remote, () => client.rollouts.status.query({ id: rolloutId }));
    const text = opts.output === 'json' ? JSON.stringify(status, null, 2) : render(status);
    if (text !== last) info(opts.watch && opts.output === 'text' && last ? `\n${text}` : text);
    last = text;
    if (!opts.watch) return EXIT.OK;
    // Watching, the exit code says how it ended, for scripts that wait on a rollout.
    if (ENDED.has(status.state)) return status.state === 'failed' || status.state === 'aborted' ? EXIT.FAILURE : EXIT.OK;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export async function rolloutListCommand(remote: Remote, output: 'text' | 'json'): Promise<number> {
  const list = await call(remote, () => connect(remote).rollouts.list.query({ limit: 50 }));
  if (output === 'json') info(JSON.stringify(list, null, 2));
  else info(table([['ID', 'STATE', 'RELEASE', 'PLAN', 'STARTED BY', 'STARTED'], ...list.map((r) => [r.id, r.state, r.release.slice(0, 12), r.plan, r.startedBy, r.startedAt])]));
  return EXIT.OK;
}

export async function rolloutHistoryCommand(remote: Remote, id: string, output: 'text' | 'json'): Promise<number> {
  const history = await call(remote, () => connect(remote).rollouts.history.query({ id }));
  if (output === 'json') info(JSON.stringify(history, null, 2));
  else {
    const what = (p: unknown) => {
      const o = p as Record<string, unknown>;
      return [o['wave'] ? `wave ${String(o['wave'])}` : '', o['cluster'] ? `cluster ${String(o['cluster'])}` : '', typeof o['reason'] === 'string' ? o['reason'] : ''].filter(Boolean).join(' ');
    };
    info(table([['AT', 'STEP', 'BY', 'WHAT', 'WHY'], ...history.map((e) => [e.at, e.type.replace(/^Rollout\./, ''), e.actor, what(e.payload), e.reason ?? ''])]));
  }
  return EXIT.OK;
}

export async function rolloutControlCommand(
  remote: Remote,
  kind: 'approve' | 'pause' | 'resume' | 'abort',
  id: string,
  opts: { reason?: string; wave?: string; output: 'text' | 'json' },
): Promise<number> {
  const client = connect(remote).rollouts;
  const input = { id, ...(opts.reason ? { reason: opts.reason } : {}) };
  const status = await call(remote, () =>
    kind === 'approve'
      ? client.approve.mutate({ ...input, ...(opts.wave ? { wave: opts.wave } : {}) })
      : kind === 'pause'
        ? client.pause.mutate(input)
        : kind === 'resume'
          ? client.resume.mutate(input)
          : client.abort.mutate(input),
  );
  info(opts.output === 'json' ? JSON.stringify(status, null, 2) : render(status));
  return EXIT.OK;
}
