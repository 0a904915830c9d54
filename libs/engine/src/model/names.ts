// Kubernetes and Calico name rules. Each returns the problem in words, or undefined when valid.

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dnsSubdomainProblem(name: string, what = 'name'): string | undefined {
  if (name.length === 0) return `${what} must not be empty`;
  if (name.length > 253) return `${what} is too long by ${name.length - 253} characters (at most 253)`;
  if (!DNS_SUBDOMAIN.test(name)) return `${what} must consist of lower case letters, digits, '-' and '.', and start and end with a letter or digit`;
  return undefined;
}

export function dnsLabelProblem(name: string, what = 'name', max = 63): string | undefined {
  if (name.length === 0) return `${what} must not be empty`;
  if (name.length > max) return `${what} is too long by ${name.length - max} characters (at most ${max})`;
  if (!DNS_LABEL.test(name)) return `${what} must consist of lower case letters, digits and '-', and start and end with a letter or digit (no dots)`;
  return undefined;
}

/** A label or annotation key: an optional DNS-subdomain prefix and "/", then a name of up to 63 characters. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `${JSON.stringify(key)} is not a valid key: a key is a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return `${JSON.stringify(key)} is not a valid key: the prefix before '/' must not be empty`;
    const problem = dnsSubdomainProblem(prefix, 'the key prefix');
    if (problem) return `${JSON.stringify(key)} is not a valid key: ${problem}`;
  }
  if (name.length === 0) return `${JSON.stringify(key)} is not a valid key: the name part must not be empty`;
  if (name.length > 63) return `${JSON.stringify(key)} is not a valid key: the name part must be no more than 63 characters`;
  if (!QUALIFIED_NAME_PART.test(name)) return `${JSON.stringify(key)} is not a valid key: the name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit`;
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `label value ${JSON.stringify(value.slice(0, 20) + '...')} must be no more than 63 characters`;
  if (!LABEL_VALUE.test(value)) return `label value ${JSON.stringify(value)} must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit`;
  return undefined;
}

/** Kubernetes IANA_SVC_NAME: how ports are named on pods and host endpoints. */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return `port name ${JSON.stringify(name)} must be 1 to 15 characters long`;
  if (!/^[-a-z0-9]+$/.test(name)) return `port name ${JSON.stringify(name)} must consist of lower case letters, digits and '-'`;
  if (!/[a-z]/.test(name)) return `port name ${JSON.stringify(name)} must contain at least one letter`;
  if (name.includes('--')) return `port name ${JSON.stringify(name)} must not contain '--'`;
  if (name.startsWith('-') || name.endsWith('-')) return `port name ${JSON.stringify(name)} must not start or end with '-'`;
  return undefined;
}

const POLICY_LABEL = `(${LABEL})(\\.${LABEL})?`;
const NAMESPACED_POLICY_NAME = new RegExp(`^(${POLICY_LABEL}|((knp|ossg)\\.default\\.${LABEL}(\\.${LABEL})*))$`);
const GLOBAL_POLICY_NAME = new RegExp(`^(${LABEL}\\.)?${LABEL}$`);

/** NetworkPolicy and StagedNetworkPolicy: a label, label.label, or a knp.default./ossg.default. name. */
export function namespacedPolicyNameProblem(name: string): string | undefined {
  if (name.length > 253) return `name is too long by ${name.length - 253} characters (at most 253)`;
  if (!NAMESPACED_POLICY_NAME.test(name)) return "name must consist of lower case letters, digits and '-', with at most one '.' (e.g. tier.name)";
  return undefined;
}

/** GlobalNetworkPolicy and StagedGlobalNetworkPolicy: a label or label.label. */
export function globalPolicyNameProblem(name: string): string | undefined {
  if (name.length > 253) return `name is too long by ${name.length - 253} characters (at most 253)`;
  if (!GLOBAL_POLICY_NAME.test(name)) return "name must consist of lower case letters, digits and '-', with at most one '.' (e.g. tier.name)";
  return undefined;
}

export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** Annotation keys are qualified names (upper case allowed); all keys and values together ≤ 256 KiB. */
export function annotationsProblems(annotations: Record<string, string>): { key?: string; message: string }[] {
  const problems: { key?: string; message: string }[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedNameProblem(key.toLowerCase());
    if (problem) problems.push({ key, message: problem });
    size += key.length + value.length;
  }
  if (size > ANNOTATIONS_MAX_BYTES) problems.push({ message: `total size of annotations is too large by ${size - ANNOTATIONS_MAX_BYTES} bytes (at most 256 KiB)` });
  return problems;
}
