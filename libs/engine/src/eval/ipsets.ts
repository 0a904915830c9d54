import { cidrContains, type ParsedCidr, type ParsedIp } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import type { Snapshot } from './snapshot.js';

/** What a selector stands for on the wire: the IPs of the endpoints and the nets of the network sets it selects. */
export interface IpSet {
  ips: Set<string>;
  nets: ParsedCidr[];
  /** Set when a change made it out of date. */
  stale?: boolean;
}

/** The IP set of a selector in a snapshot, as Calico renders it, kept until a change affects it. */
export function ipSetOf(snapshot: Snapshot, selector: Selector): IpSet {
  const caches = snapshot.evaluation;
  const known = caches.ipSetFor(selector);
  if (known) return known;
  const key = selector.toString();
  let set = caches.ipSetByKey(key, selector);
  if (!set) {
    set = { ips: new Set(), nets: [] };
    for (const member of snapshot.indexes.members.matching(selector).values()) {
      if (member.kind === 'endpoint') for (const ip of member.endpoint.ips) set.ips.add(ip.text);
      else set.nets.push(...member.set.nets);
    }
    caches.rememberIpSet(key, selector, set);
  }
  return set;
}

export function ipSetContains(set: IpSet, ip: ParsedIp): boolean {
  if (set.ips.has(ip.text)) return true;
  for (const net of set.nets) if (cidrContains(net, ip)) return true;
  return false;
}
