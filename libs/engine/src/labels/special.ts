/** Labels Calico adds to workload endpoints (and namespaced network sets). */
export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
/** Inside namespace and service-account selectors: the namespace's or the account's own name. */
export const LABEL_NAME = 'projectcalico.org/name';
/** Namespace labels reach endpoints with this prefix, through the kns.<namespace> profile. */
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
/** Service-account labels reach endpoints with this prefix, through the ksa.<ns>.<sa> profile. */
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';
export const ORCHESTRATOR_KUBERNETES = 'k8s';
