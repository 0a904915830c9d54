import { isNamedPort, portRange, type Port } from '../numorstring/index.js';

/**
 * Calico's SimplifyPorts: named ports first (input order), then numeric ports and ranges merged
 * into the fewest ascending ranges. With fewer than two numeric ports the list is left as it was.
 */
export function simplifyPorts(ports: readonly Port[]): Port[] {
  if (ports.length < 2) return [...ports];
  const named = ports.filter(isNamedPort);
  const numbers: number[] = [];
  for (const p of ports) {
    if (isNamedPort(p)) continue;
    for (let n = p.minPort; n <= p.maxPort; n++) numbers.push(n);
  }
  if (numbers.length < 2) return [...ports];
  numbers.sort((a, b) => a - b);
  const merged: Port[] = [];
  let start = numbers[0]!;
  let end = start;
  for (const n of numbers.slice(1)) {
    if (n <= end + 1) {
      end = Math.max(end, n);
      continue;
    }
    merged.push(portRange(start, end));
    start = end = n;
  }
  merged.push(portRange(start, end));
  return [...named, ...merged];
}
