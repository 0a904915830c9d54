/**
 * "why?" on a flow: the simulator with that flow filled in and decided at once; with its cluster,
 * on the release that cluster's agents enforce (what decided the flow), not the policy set's head.
 */
export function whyHref(flow: { from: string; to: string; protocol: string; port: number | null; cluster?: string | undefined }): string {
  const params = new URLSearchParams({ from: flow.from, to: flow.to, protocol: flow.protocol.toUpperCase(), run: '1' });
  if (flow.cluster) {
    params.set('cluster', flow.cluster);
    params.set('policies', 'running');
  }
  if (flow.port) params.set('port', String(flow.port));
  return `/simulate?${params.toString()}`;
}
