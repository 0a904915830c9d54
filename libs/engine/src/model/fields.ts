// Field types shared by the resource schemas.
import { portFromValue, PortError, protocolFromValue, type PortValue, type ProtocolValue } from '../numorstring/index.js';
import { custom, issue, list, number, object, optional, record, string, typeName, type Schema } from '../schema/schema.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';

export const labelValue: Schema<string> = custom('a label value', (value, path, ctx) => {
  if (typeof value !== 'string') return issue(ctx, path, `must be a string (quote numbers and booleans in YAML), not ${typeName(value)}`);
  const problem = labelValueProblem(value);
  return problem ? issue(ctx, path, problem) : value;
});

/** Labels: qualified-name keys, Kubernetes label values. */
export const labels = record(labelValue, qualifiedNameProblem);

/** Annotations: any string values; key syntax and total size are checked in validation. */
export const annotations = record(string());

/**
 * Ports and protocols stay as written (80, "8080:8090", "http"; TCP, 6): resources are plain
 * JSON that round-trips unchanged. The decoder only checks that they parse.
 */
export const port: Schema<PortValue> = custom('a port', (value, path, ctx) => {
  try {
    portFromValue(value);
    return value as PortValue;
  } catch (error) {
    return issue(ctx, path, error instanceof PortError ? error.message : String(error));
  }
});

export const protocol: Schema<ProtocolValue> = custom('a protocol', (value, path, ctx) => {
  const parsed = protocolFromValue(value);
  if (parsed === undefined) return issue(ctx, path, `must be a protocol name (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or a number from 1 to 255, not ${typeName(value)}`);
  return value as ProtocolValue;
});

export const ports = list(port, { max: 50 });

export const cidrList = (max: number) => list(string(), { max });

/**
 * metadata of every resource. name, namespace, labels and annotations are read; the fields a
 * server adds (uid, resourceVersion, managedFields ...) are accepted so `kubectl get -o yaml`
 * output applies as it is, and otherwise ignored.
 */
export const objectMeta = object(
  {
    name: string({ min: 1 }),
    namespace: optional(string()),
    labels: optional(labels),
    annotations: optional(annotations),
    uid: optional(string()),
    resourceVersion: optional(string()),
    generation: optional(number({ integer: true })),
    creationTimestamp: optional(string()),
  },
  {
    ignoredFields: ['deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'ownerReferences', 'managedFields', 'generateName', 'selfLink', 'clusterName'],
  },
);
