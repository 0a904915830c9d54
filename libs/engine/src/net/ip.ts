import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  bytes: number[];
  /** Canonical text (RFC 5952 for IPv6). */
  text: string;
}

export interface ParsedCidr {
  family: IpFamily;
  prefixLength: number;
  /** The network address: host bits cleared. */
  network: ParsedIp;
  /** Canonical "network/prefix" text. */
  text: string;
  /** True when the input had host bits set (10.0.1.1/4), which some fields allow. */
  hadHostBits: boolean;
}

/**
 * Parses an IP address as strictly as Go's net.ParseIP: IPv4 in four decimal parts without
 * leading zeros, IPv6 without a zone.
 */
const FOUR_PARTS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function parseIp(text: string): ParsedIp | undefined {
  if (text.includes(':')) {
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
    const address = ipaddr.IPv6.parse(text);
    return { family: 6, bytes: address.toByteArray(), text: address.toString() };
  }
  // ipaddr.js validates by throwing: rule out what cannot be an address first (it is hot in resolvePeer).
  if (!FOUR_PARTS.test(text) || !ipaddr.IPv4.isValidFourPartDecimal(text) || /(^|\.)0\d/.test(text)) return undefined;
  const address = ipaddr.IPv4.parse(text);
  return { family: 4, bytes: address.toByteArray(), text: address.toString() };
}

function fromBytes(bytes: number[]): ParsedIp {
  const address = ipaddr.fromByteArray(bytes);
  return { family: bytes.length === 4 ? 4 : 6, bytes, text: address.toString() };
}

export interface CidrOptions {
  /** Accept a bare address as a /32 or /128. */
  allowBareIp?: boolean;
}

/** Parses "address/prefix" (and, if allowed, a bare address); host bits are masked off. */
export function parseCidr(text: string, options: CidrOptions = {}): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) {
    if (!options.allowBareIp) return undefined;
    const ip = parseIp(text);
    if (!ip) return undefined;
    const bits = ip.family === 4 ? 32 : 128;
    return { family: ip.family, prefixLength: bits, network: ip, text: `${ip.text}/${bits}`, hadHostBits: false };
  }
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefixLength > bits) return undefined;
  const masked = ip.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefixLength - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  const network = fromBytes(masked);
  return { family: ip.family, prefixLength, network, text: `${network.text}/${prefixLength}`, hadHostBits: masked.some((b, i) => b !== ip.bytes[i]) };
}

const hostCidrs = new WeakMap<ParsedIp, ParsedCidr>();

/** The single-address CIDR of an address (/32 or /128), made once per address object. */
export function hostCidr(ip: ParsedIp): ParsedCidr {
  let cidr = hostCidrs.get(ip);
  if (!cidr) {
    const bits = ip.family === 4 ? 32 : 128;
    cidr = { family: ip.family, prefixLength: bits, network: ip, text: `${ip.text}/${bits}`, hadHostBits: false };
    hostCidrs.set(ip, cidr);
  }
  return cidr;
}

/** The first `prefixLength` bits of an address as a map key. */
export function prefixKey(ip: ParsedIp, prefixLength: number): string {
  let key = `${ip.family}/${prefixLength}/`;
  let remaining = prefixLength;
  for (let i = 0; remaining > 0; i++, remaining -= 8) key += `${ip.bytes[i]! & ((0xff << (8 - Math.min(8, remaining))) & 0xff)}.`;
  return key;
}

/** True when the CIDR covers every address of its family (0.0.0.0/0, ::/0). */
export function isCatchAll(cidr: ParsedCidr): boolean {
  return cidr.prefixLength === 0;
}

/** True when `ip` lies inside `cidr` (same family only). */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  let remaining = cidr.prefixLength;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const bits = Math.min(8, remaining);
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((cidr.network.bytes[i]! & mask) !== (ip.bytes[i]! & mask)) return false;
  }
  return true;
}
