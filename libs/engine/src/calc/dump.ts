/** A map's entries sorted by key, so two states that hold the same compare equal whatever the order of their changes. */
export function sortedEntries<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
