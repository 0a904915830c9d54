import { cidrContains, type ParsedCidr, type ParsedIp } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import type { Snapshot } from '../snapshot/types.js';
import { indexesOf } from '../index/snapshot-index.js';
import { cachesOf, rememberIpSet } from '../snapshot/caches.js';

/** What a selector stands for on the wire: the IPs of the endpoints and the nets of the network sets it selects. */
export interface IpSet {
  ips: Set<string>;
  nets: ParsedCidr[];
  /** Set when a change made it out of date. */
  stale?: boolean;
}

/** The IP set of a selector in a snapshot, as Calico renders it, kept until a change affects it. */
export function ipSetOf(snapshot: Snapshot, selector: Selector): IpSet {
  const caches = cachesOf(snapshot);
  const known = caches.ipSetsBySelector.get(selector) as IpSet | undefined;
  if (known && !known.stale) return known;
  const key = selector.toString();
  let set = caches.ipSets.get(key) as IpSet | undefined;
  if (!set) {
    set = { ips: new Set(), nets: [] };
    for (const member of indexesOf(snapshot).members.matching(selector).values()) {
      if (member.kind === 'endpoint') for (const ip of member.endpoint.ips) set.ips.add(ip.text);
      else set.nets.push(...member.set.nets);
    }
    rememberIpSet(snapshot, key, selector, set);
  } else caches.ipSetsBySelector.set(selector, set);
  return set;
}

export function ipSetContains(set: IpSet, ip: ParsedIp): boolean {
  if (set.ips.has(ip.text)) return true;
  for (const net of set.nets) if (cidrContains(net, ip)) return true;
  return false;
}
