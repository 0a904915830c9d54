/** A port as Calico models it: a number or range (min = max for one port), or a named port. */
export type Port = { minPort: number; maxPort: number } | { portName: string };

/** A port as people write it in YAML: 80, "8080:8090" or "http". */
export type PortValue = number | string;

export const NAMED_PORT = /^[a-zA-Z0-9_.-]{1,128}$/;
const DECIMAL = /^[0-9]+$/;

export class PortError extends Error {
  override readonly name = 'PortError';
}

function portNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

export function singlePort(port: number): Port {
  return { minPort: port, maxPort: port };
}

export function portRange(min: number, max: number): Port {
  if (min > max) throw new PortError(`port range ${min}:${max} is backwards: the first port must not be greater than the second`);
  return { minPort: min, maxPort: max };
}

export function namedPort(name: string): Port {
  if (!NAMED_PORT.test(name)) throw new PortError(`${JSON.stringify(name)} is not a valid port name: use 1 to 128 letters, digits, "_", "." or "-"`);
  return { portName: name };
}

/** Calico's PortFromString: a number, then "min:max", then a port name. */
export function portFromString(text: string): Port {
  const single = portNumber(text);
  if (single !== undefined) return singlePort(single);
  const parts = text.split(':');
  if (parts.length === 2) {
    const min = portNumber(parts[0]!);
    const max = portNumber(parts[1]!);
    if (min === undefined || max === undefined) throw new PortError(`${JSON.stringify(text)} is not a valid port range: both ends must be numbers from 0 to 65535`);
    return portRange(min, max);
  }
  if (parts.length > 2) throw new PortError(`${JSON.stringify(text)} is not a valid port: a range has exactly one ":"`);
  return namedPort(text);
}

/** A port from parsed YAML/JSON: an integer 0-65535 or a string as portFromString reads it. */
export function portFromValue(value: unknown): Port {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new PortError(`${value} is not a valid port: ports are whole numbers from 1 to 65535`);
    return singlePort(value);
  }
  if (typeof value === 'string') return portFromString(value);
  throw new PortError(`a port must be a number, a "min:max" range or a port name, not ${value === null ? 'null' : typeof value}`);
}

/** The parsed form of a value the resource decoder has already accepted. */
export function asPort(value: PortValue): Port {
  return portFromValue(value);
}

export function isNamedPort(port: Port): port is { portName: string } {
  return 'portName' in port;
}

/** The form Calico writes back: a number for a single port, a string otherwise. */
export function portToValue(port: Port): PortValue {
  if (isNamedPort(port)) return port.portName;
  return port.minPort === port.maxPort ? port.minPort : `${port.minPort}:${port.maxPort}`;
}

export function portToString(port: Port): string {
  return String(portToValue(port));
}
