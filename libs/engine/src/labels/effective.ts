import { labelSet, type Labels } from '../selector/compile.js';
import { LABEL_NAME, LABEL_NAMESPACE, LABEL_ORCHESTRATOR, LABEL_SERVICE_ACCOUNT, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX } from './special.js';

export interface WorkloadIdentity {
  /** The endpoint's own labels (a pod's metadata.labels). */
  labels?: Labels;
  namespace: string;
  namespaceLabels?: Labels;
  serviceAccount?: string;
  serviceAccountLabels?: Labels;
  /** "k8s" for pods. */
  orchestrator?: string;
}

/**
 * The labels a workload endpoint has as Felix sees them, which is what selectors match:
 * its own labels; projectcalico.org/namespace, /orchestrator and /serviceaccount; and the labels
 * inherited from its profiles: every namespace label as pcns.<key> plus
 * pcns.projectcalico.org/name, and every service-account label as pcsa.<key> plus
 * pcsa.projectcalico.org/name. On a key conflict the endpoint's own label wins, as Calico's
 * profile labelsToApply does.
 */
export function workloadEndpointLabels(identity: WorkloadIdentity): Labels {
  const out = Object.create(null) as Record<string, string>;
  const set = (key: string, value: string) => (out[key] = value);
  for (const [k, v] of Object.entries(identity.namespaceLabels ?? {})) set(NAMESPACE_LABEL_PREFIX + k, v);
  set(NAMESPACE_LABEL_PREFIX + LABEL_NAME, identity.namespace);
  if (identity.serviceAccount !== undefined) {
    for (const [k, v] of Object.entries(identity.serviceAccountLabels ?? {})) set(SERVICE_ACCOUNT_LABEL_PREFIX + k, v);
    set(SERVICE_ACCOUNT_LABEL_PREFIX + LABEL_NAME, identity.serviceAccount);
  }
  for (const [k, v] of Object.entries(identity.labels ?? {})) set(k, v);
  set(LABEL_NAMESPACE, identity.namespace);
  if (identity.orchestrator !== undefined) set(LABEL_ORCHESTRATOR, identity.orchestrator);
  if (identity.serviceAccount !== undefined) set(LABEL_SERVICE_ACCOUNT, identity.serviceAccount);
  return out;
}

/** A namespaced NetworkSet's labels as selectors see them: it carries its namespace like a pod. */
export function networkSetLabels(labels: Labels | undefined, namespace: string | undefined): Labels {
  const out = labelSet(labels) as Record<string, string>;
  if (namespace !== undefined) out[LABEL_NAMESPACE] = namespace;
  return out;
}
