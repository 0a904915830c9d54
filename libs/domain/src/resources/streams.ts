import { isNamespaced, keyOf, resourceType, type Resource } from '@palisade/engine';

/** The counter whose row orders policy changes: its value is the policy set's revision. */
export const POLICY_SET_COUNTER = 'policyset';
export const resourceStream = (key: string) => `resource/${key}`;

/** What a Resource.Applied or Resource.Deleted event carries. */
export interface ResourceEventPayload {
  key: string;
  type: string;
  namespace?: string;
  name: string;
  revision: number;
  before: Resource | null;
  after: Resource | null;
  [k: string]: unknown;
}

/** The identifying fields every resource event records. */
export function identity(resource: Resource) {
  const namespaced = isNamespaced(resource);
  return { key: keyOf(resource), type: resourceType(resource), ...(namespaced ? { namespace: resource.metadata.namespace ?? 'default' } : {}), name: resource.metadata.name };
}
