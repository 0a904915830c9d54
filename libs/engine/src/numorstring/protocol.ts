/** A protocol as Calico stores it: a number, or a name. */
export type Protocol = { type: 'num'; value: number } | { type: 'string'; value: string };

/** A protocol as people write it in YAML: TCP, "6", 6. */
export type ProtocolValue = number | string;

/** The protocol names Calico accepts, exactly as spelt (validation is case-sensitive). */
export const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export const PROTOCOL_NUMBERS: Record<ProtocolName, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };

/** JSON numbers and numeric strings that fit in 8 bits become numbers; anything else stays a string. */
export function protocolFromValue(value: unknown): Protocol | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 255 ? { type: 'num', value } : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^[0-9]+$/.test(value) && Number(value) <= 255) return { type: 'num', value: Number(value) };
  return { type: 'string', value };
}

/** The parsed form of a value the resource decoder has already accepted. */
export function asProtocol(value: ProtocolValue): Protocol {
  const parsed = protocolFromValue(value);
  if (!parsed) throw new RangeError(`not a protocol: ${String(value)}`);
  return parsed;
}

export function protocolToValue(protocol: Protocol): ProtocolValue {
  return protocol.value;
}

export function protocolToString(protocol: Protocol): string {
  return String(protocol.value);
}

/** Calico's ProtocolFromString: a known name in any case becomes its canonical spelling. */
export function protocolFromString(text: string): Protocol {
  const known = PROTOCOL_NAMES.find((name) => name.toLowerCase() === text.toLowerCase());
  return { type: 'string', value: known ?? text };
}

/** The v1 (backend) spelling: names lower-cased. */
export function protocolToV1(protocol: Protocol): Protocol {
  return protocol.type === 'string' ? { type: 'string', value: protocol.value.toLowerCase() } : protocol;
}

export function protocolFromStringV1(text: string): Protocol {
  return { type: 'string', value: text.toLowerCase() };
}

/** Why the protocol is invalid, or undefined when valid: names are case-sensitive, numbers 1-255. */
export function protocolProblem(protocol: Protocol): string | undefined {
  if (protocol.type === 'num') return protocol.value >= 1 && protocol.value <= 255 ? undefined : `protocol number ${protocol.value} is out of range: use 1 to 255`;
  if ((PROTOCOL_NAMES as readonly string[]).includes(protocol.value)) return undefined;
  const near = PROTOCOL_NAMES.find((name) => name.toLowerCase() === protocol.value.toLowerCase());
  return `protocol ${JSON.stringify(protocol.value)} is not known${near ? ` (protocol names are case-sensitive: write ${near})` : `: use one of ${PROTOCOL_NAMES.join(', ')} or a number from 1 to 255`}`;
}

/** The IP protocol number, when the protocol is valid. */
export function protocolNumber(protocol: Protocol): number | undefined {
  if (protocol.type === 'num') return protocol.value;
  return (PROTOCOL_NUMBERS as Record<string, number | undefined>)[protocol.value];
}

/** Only TCP, UDP and SCTP have ports (UDPLite does not, in Calico). */
export function supportsPorts(protocol: Protocol): boolean {
  const n = protocol.type === 'num' ? protocol.value : protocol.value === 'TCP' ? 6 : protocol.value === 'UDP' ? 17 : protocol.value === 'SCTP' ? 132 : -1;
  return n === 6 || n === 17 || n === 132;
}

export function isIcmp(protocol: Protocol): 4 | 6 | undefined {
  const n = protocolNumber(protocol);
  return n === 1 ? 4 : n === 58 ? 6 : undefined;
}
