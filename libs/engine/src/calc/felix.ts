import type * as calico from '../model/calico.js';
import { parseCidr } from '../net/index.js';
import type { Failsafe, FelixSettings } from '../snapshot/types.js';
import { sortedEntries } from './dump.js';

/** Felix's defaults when no FelixConfiguration says otherwise. */
export const DEFAULT_FELIX: FelixSettings = {
  failsafeInbound: [
    { protocol: 6, port: 22 },
    { protocol: 17, port: 68 },
    { protocol: 6, port: 179 },
    { protocol: 6, port: 2379 },
    { protocol: 6, port: 2380 },
    { protocol: 6, port: 5473 },
    { protocol: 6, port: 6443 },
    { protocol: 6, port: 6666 },
    { protocol: 6, port: 6667 },
  ],
  failsafeOutbound: [
    { protocol: 17, port: 53 },
    { protocol: 17, port: 67 },
    { protocol: 6, port: 179 },
    { protocol: 6, port: 2379 },
    { protocol: 6, port: 2380 },
    { protocol: 6, port: 5473 },
    { protocol: 6, port: 6443 },
    { protocol: 6, port: 6666 },
    { protocol: 6, port: 6667 },
  ],
  defaultEndpointToHostAction: 'Drop',
};

/** FelixConfiguration resources: `default` for every node, `node.<name>` over it for one. */
export class FelixCalculator {
  private readonly configs = new Map<string, calico.FelixConfigurationSpec>();

  set(config: calico.CalicoFelixConfiguration): void {
    this.configs.set(config.metadata.name, config.spec ?? {});
  }

  delete(name: string): void {
    this.configs.delete(name);
  }

  settings(node: string | undefined): FelixSettings {
    let settings = { ...DEFAULT_FELIX };
    for (const spec of [this.configs.get('default'), node ? this.configs.get(`node.${node}`) : undefined]) {
      if (!spec) continue;
      settings = {
        failsafeInbound: failsafes(spec.failsafeInboundHostPorts) ?? settings.failsafeInbound,
        failsafeOutbound: failsafes(spec.failsafeOutboundHostPorts) ?? settings.failsafeOutbound,
        defaultEndpointToHostAction: spec.defaultEndpointToHostAction ?? settings.defaultEndpointToHostAction,
      };
    }
    return settings;
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return sortedEntries(this.configs);
  }
}

function failsafes(list: calico.ProtoPort[] | undefined): Failsafe[] | undefined {
  return list?.map((p) => {
    const net = p.net ? parseCidr(p.net, { allowBareIp: true }) : undefined;
    const protocol = (p.protocol ?? 'TCP').toUpperCase();
    return { protocol: protocol === 'UDP' ? 17 : protocol === 'SCTP' ? 132 : 6, port: p.port, ...(net ? { net } : {}) };
  });
}
