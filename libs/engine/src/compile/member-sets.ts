import { prefixKey, type ParsedCidr } from '../net/index.js';

/** Net membership changes since the last `takeChanges()`. */
export interface MemberChanges<T> {
  add: T[];
  remove: T[];
}

/**
 * The members of an IP set as nftables needs them: every CIDR contributed (counted, since two
 * endpoints or network sets may contribute the same one), minus those another member covers
 * (interval sets refuse overlaps). Adding or removing a host address costs a few map lookups, so
 * a label change updates a 50,000-member set without rebuilding it; only a network that covers
 * others rescans. Changes to the visible members are recorded for diffs.
 */
export class CidrSet {
  private readonly raw = new Map<string, { cidr: ParsedCidr; count: number }>();
  /** Visible members, by prefix key (family/length/masked address) → text. */
  private readonly kept = new Map<string, ParsedCidr>();
  /** Prefix lengths in use among visible members, per family. */
  private readonly lengths = new Map<number, Map<number, number>>();
  private readonly changes = new Map<string, 1 | -1>();
  /** Off while a set is first filled: nothing has changed yet. */
  private tracking = true;

  static of(cidrs: Iterable<ParsedCidr>): CidrSet {
    const set = new CidrSet();
    set.tracking = false;
    // Wider networks first, so hosts they cover are never shown and then hidden again.
    for (const cidr of [...cidrs].sort((a, b) => a.prefixLength - b.prefixLength)) set.add(cidr);
    set.tracking = true;
    return set;
  }

  add(cidr: ParsedCidr): void {
    const entry = this.raw.get(cidr.text);
    if (entry) {
      entry.count++;
      return;
    }
    this.raw.set(cidr.text, { cidr, count: 1 });
    if (this.coveringMember(cidr)) return;
    this.show(cidr);
    if (this.isHost(cidr)) return;
    for (const member of [...this.kept.values()]) if (member !== cidr && member.family === cidr.family && member.prefixLength > cidr.prefixLength && covers(cidr, member)) this.hide(member);
  }

  delete(cidr: ParsedCidr): void {
    const entry = this.raw.get(cidr.text);
    if (!entry) throw new Error(`internal: ${cidr.text} is not in the set`);
    if (--entry.count > 0) return;
    this.raw.delete(cidr.text);
    if (this.kept.get(keyOf(cidr))?.text !== cidr.text) return; // it was hidden by a wider member
    this.hide(cidr);
    if (this.isHost(cidr)) return;
    // Members it hid may show again, unless another wider member still covers them.
    const uncovered = [...this.raw.values()].map((e) => e.cidr).filter((c) => c.family === cidr.family && c.prefixLength > cidr.prefixLength && covers(cidr, c));
    for (const c of uncovered.sort((a, b) => a.prefixLength - b.prefixLength)) if (!this.coveringMember(c)) this.show(c);
  }

  /** Makes the members exactly these (for sets recomputed whole, such as a service's addresses). */
  reset(cidrs: Iterable<ParsedCidr>): void {
    for (const { cidr, count } of [...this.raw.values()]) for (let i = 0; i < count; i++) this.delete(cidr);
    for (const cidr of [...cidrs].sort((a, b) => a.prefixLength - b.prefixLength)) this.add(cidr);
  }

  /** Visible members, sorted. */
  members(): string[] {
    return [...this.kept.values()].map((c) => c.text).sort();
  }

  takeChanges(): MemberChanges<string> {
    const out: MemberChanges<string> = { add: [], remove: [] };
    for (const [text, sign] of this.changes) (sign > 0 ? out.add : out.remove).push(text);
    this.changes.clear();
    out.add.sort();
    out.remove.sort();
    return out;
  }

  private isHost(cidr: ParsedCidr): boolean {
    return cidr.prefixLength === (cidr.family === 4 ? 32 : 128);
  }

  private coveringMember(cidr: ParsedCidr): boolean {
    const full = cidr.family === 4 ? 32 : 128;
    for (const [length] of this.lengths.get(cidr.family) ?? []) {
      if (length > cidr.prefixLength) continue;
      // Only a host is as long as a host entry, and its key is its text.
      if (this.kept.has(length === full ? cidr.text : prefixKey(cidr.network, length))) return true;
    }
    return false;
  }

  private show(cidr: ParsedCidr): void {
    this.kept.set(keyOf(cidr), cidr);
    let lengths = this.lengths.get(cidr.family);
    if (!lengths) this.lengths.set(cidr.family, (lengths = new Map()));
    lengths.set(cidr.prefixLength, (lengths.get(cidr.prefixLength) ?? 0) + 1);
    this.note(cidr.text, 1);
  }

  private hide(cidr: ParsedCidr): void {
    this.kept.delete(keyOf(cidr));
    const lengths = this.lengths.get(cidr.family)!;
    const n = lengths.get(cidr.prefixLength)! - 1;
    if (n) lengths.set(cidr.prefixLength, n);
    else lengths.delete(cidr.prefixLength);
    this.note(cidr.text, -1);
  }

  private note(text: string, sign: 1 | -1): void {
    if (!this.tracking) return;
    // A member shown then hidden (or the reverse) in one update is no change at all.
    if (this.changes.get(text) === -sign) this.changes.delete(text);
    else this.changes.set(text, sign);
  }
}

const covers = (wide: ParsedCidr, narrow: ParsedCidr) => prefixKey(narrow.network, wide.prefixLength) === prefixKey(wide.network, wide.prefixLength);
/**
 * Host addresses (the bulk of every set) are keyed by their canonical "address/32" text, without
 * bit twiddling; networks by prefix key ("4/24/10.1.2."), which never looks like an address.
 */
const keyOf = (cidr: ParsedCidr) => (cidr.prefixLength === (cidr.family === 4 ? 32 : 128) ? cidr.text : prefixKey(cidr.network, cidr.prefixLength));

export interface Tuple {
  ip: string;
  protocol: number;
  port: number;
}

const tupleKey = (t: Tuple) => `${t.ip} . ${t.protocol} . ${t.port}`;
const compareTuples = (a: Tuple, b: Tuple) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.protocol - b.protocol || a.port - b.port);

/** The members of an (address, protocol, port) set, counted like CidrSet's. */
export class TupleSet {
  private readonly raw = new Map<string, { tuple: Tuple; count: number }>();
  private readonly changes = new Map<string, { tuple: Tuple; sign: 1 | -1 }>();

  static of(tuples: Iterable<Tuple>): TupleSet {
    const set = new TupleSet();
    for (const t of tuples) set.add(t);
    set.changes.clear();
    return set;
  }

  add(tuple: Tuple): void {
    const key = tupleKey(tuple);
    const entry = this.raw.get(key);
    if (entry) {
      entry.count++;
      return;
    }
    this.raw.set(key, { tuple, count: 1 });
    this.note(key, tuple, 1);
  }

  delete(tuple: Tuple): void {
    const key = tupleKey(tuple);
    const entry = this.raw.get(key);
    if (!entry) throw new Error(`internal: ${key} is not in the set`);
    if (--entry.count > 0) return;
    this.raw.delete(key);
    this.note(key, tuple, -1);
  }

  /** Makes the members exactly these (for sets recomputed whole, such as a service's). */
  reset(tuples: Iterable<Tuple>): void {
    const next = new Map<string, Tuple>();
    for (const t of tuples) next.set(tupleKey(t), t);
    for (const [key, entry] of [...this.raw]) {
      if (next.has(key)) continue;
      this.raw.delete(key);
      this.note(key, entry.tuple, -1);
    }
    for (const [key, t] of next) {
      if (this.raw.has(key)) this.raw.set(key, { tuple: t, count: 1 });
      else this.add(t);
    }
  }

  members(): Tuple[] {
    return [...this.raw.values()].map((e) => e.tuple).sort(compareTuples);
  }

  takeChanges(): MemberChanges<Tuple> {
    const out: MemberChanges<Tuple> = { add: [], remove: [] };
    for (const { tuple, sign } of this.changes.values()) (sign > 0 ? out.add : out.remove).push(tuple);
    this.changes.clear();
    out.add.sort(compareTuples);
    out.remove.sort(compareTuples);
    return out;
  }

  private note(key: string, tuple: Tuple, sign: 1 | -1): void {
    if (this.changes.get(key)?.sign === -sign) this.changes.delete(key);
    else this.changes.set(key, { tuple, sign });
  }
}

export { compareTuples, tupleKey };
