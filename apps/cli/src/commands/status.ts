import { describeError, status as stackStatus } from '@palisade/stack';
import { redactUrl } from '@palisade/contracts';
import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { gatewayReady, runProbeWorkflow } from '../readiness.js';

interface Row {
  name: string;
  ok: boolean;
  where: string;
  detail: string;
}

/** Probes every service and process of the local stack, and runs the probe workflow end to end. */
export async function status(home: string, output: 'table' | 'json'): Promise<number> {
  const { state, components } = await stackStatus(home);
  if (!state) {
    if (output === 'json') info(JSON.stringify({ running: false, home, components: [] }));
    else info(`Nothing is running (stack in ${home}). Start it with: npx palisade up`);
    return EXIT.UNAVAILABLE;
  }
  const rows: Row[] = components.map((c) => ({
    name: c.name,
    ok: c.ok,
    where: c.listen ? redactUrl(c.listen) : '-',
    detail: c.kind === 'service' ? `${c.mode}, ${c.detail}` : `pid ${c.pid}, ${c.detail}`,
  }));
  const gateway = state.processes['gateway'];
  if (gateway?.url) {
    try {
      const report = await gatewayReady(gateway.url);
      rows.push({ name: 'gateway readiness', ok: true, where: `${gateway.url}/readyz`, detail: report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'down'}`).join(', ') });
    } catch (error) {
      rows.push({ name: 'gateway readiness', ok: false, where: `${gateway.url}/readyz`, detail: describeError(error) });
    }
  }
  if (state.processes['worker']) {
    const temporal = state.services.temporal;
    try {
      const probe = await runProbeWorkflow(temporal.url, temporal.details['namespace'] ?? 'default');
      rows.push({ name: 'workflows', ok: true, where: temporal.url, detail: `probe workflow completed in ${probe.ms} ms on ${probe.workerIdentity}` });
    } catch (error) {
      rows.push({ name: 'workflows', ok: false, where: temporal.url, detail: describeError(error) });
    }
  }
  const allOk = rows.every((r) => r.ok);
  if (output === 'json') {
    info(JSON.stringify({ running: true, ok: allOk, home, components: rows }, null, 2));
  } else {
    info(table([['COMPONENT', 'STATE', 'WHERE', 'DETAIL'], ...rows.map((r) => [r.name, r.ok ? 'ok' : 'DOWN', r.where, r.detail])]));
  }
  return allOk ? EXIT.OK : EXIT.UNAVAILABLE;
}
