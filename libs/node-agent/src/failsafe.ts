import type { NodeIR } from '@palisade/engine';

type Failsafe = NodeIR['felix']['failsafeInbound'][number];

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

/** "tcp:22" or "tcp:10.0.0.0/8:22" (as AgentSettings checked them) into the IR's form. */
export function parseFailsafe(text: string): Failsafe {
  const parts = text.split(':');
  const protocol = PROTOCOLS[parts[0]!];
  const port = Number(parts.at(-1));
  if (protocol === undefined || !Number.isInteger(port) || port < 0 || port > 65535 || parts.length > 3)
    throw new RangeError(`failsafe port ${JSON.stringify(text)} is not protocol:port or protocol:cidr:port`);
  return { protocol, port, ...(parts.length === 3 ? { net: parts[1]! } : {}) };
}

export interface FailsafeSettings {
  inbound?: readonly string[];
  outbound?: readonly string[];
  /** The agent's own control plane (NATS, the gateway): host:port pairs it must always reach. */
  controlPlane?: readonly { host: string; port: number }[];
}

/**
 * The IR with the agent's failsafe ports added to the cluster's (Felix's defaults unless a
 * FelixConfiguration set others): whatever policy says, a node stays reachable for SSH and DHCP
 * and its agent keeps its way to NATS and the gateway, or no later release could ever fix a bad one.
 */
export function withFailsafes(ir: NodeIR, settings: FailsafeSettings): NodeIR {
  const key = (f: Failsafe) => `${f.protocol}|${f.net ?? ''}|${f.port}`;
  const union = (base: readonly Failsafe[], extra: readonly Failsafe[]) => {
    const seen = new Map(base.map((f) => [key(f), f]));
    for (const f of extra) if (!seen.has(key(f))) seen.set(key(f), f);
    return [...seen.values()];
  };
  const control = (settings.controlPlane ?? []).map((c) => ({ protocol: 6, port: c.port }));
  return {
    ...ir,
    felix: {
      ...ir.felix,
      failsafeInbound: union(ir.felix.failsafeInbound, (settings.inbound ?? []).map(parseFailsafe)),
      failsafeOutbound: union(ir.felix.failsafeOutbound, [...(settings.outbound ?? []).map(parseFailsafe), ...control]),
    },
  };
}
