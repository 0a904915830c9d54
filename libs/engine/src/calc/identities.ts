import type * as k8s from '../model/kubernetes.js';
import { labelSet, type Labels } from '../selector/compile.js';
import { sortedEntries } from './dump.js';

/**
 * The labels endpoints inherit from who they are: their namespace's labels (with the name label
 * Kubernetes adds) and their service account's. A namespace exists while a Namespace resource
 * describes it or a workload endpoint is in it (pods name namespaces that may not be written
 * down); `onNamespace` hears when one comes or goes. Endpoints read these labels when they are
 * derived, so a change here re-derives the endpoints it reaches (the graph does that).
 */
export class IdentityLabels {
  /** Every namespace that exists, with its labels. */
  readonly namespaces = new Map<string, Labels>();
  /** Namespaces a Namespace resource describes. */
  private readonly described = new Map<string, Labels>();
  /** Namespace → how many workload endpoints are in it. */
  private readonly workloads = new Map<string, number>();
  private readonly serviceAccounts = new Map<string, Labels>();

  constructor(private readonly onNamespace: (namespace: string, exists: boolean) => void) {}

  setNamespace(namespace: k8s.Namespace): void {
    this.described.set(namespace.metadata.name, labelSet({ 'kubernetes.io/metadata.name': namespace.metadata.name, ...(namespace.metadata.labels ?? {}) }));
    this.refresh(namespace.metadata.name);
  }

  deleteNamespace(name: string): void {
    this.described.delete(name);
    this.refresh(name);
  }

  /** The labels of a namespace; one no Namespace resource describes has just its name label. */
  namespaceLabels(name: string): Labels {
    return this.described.get(name) ?? this.namespaces.get(name) ?? implicitLabels(name);
  }

  workloadJoined(namespace: string): void {
    const count = (this.workloads.get(namespace) ?? 0) + 1;
    this.workloads.set(namespace, count);
    if (count === 1) this.refresh(namespace);
  }

  workloadLeft(namespace: string): void {
    const count = this.workloads.get(namespace)! - 1;
    if (count > 0) this.workloads.set(namespace, count);
    else {
      this.workloads.delete(namespace);
      this.refresh(namespace);
    }
  }

  setServiceAccount(account: k8s.ServiceAccount): void {
    this.serviceAccounts.set(serviceAccountKey(account), labelSet(account.metadata.labels));
  }

  deleteServiceAccount(account: k8s.ServiceAccount): void {
    this.serviceAccounts.delete(serviceAccountKey(account));
  }

  serviceAccountLabels(namespace: string, name: string): Labels | undefined {
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }

  private refresh(name: string): void {
    const existed = this.namespaces.has(name);
    const labels = this.described.get(name) ?? (this.workloads.has(name) ? implicitLabels(name) : undefined);
    if (labels) this.namespaces.set(name, labels);
    else this.namespaces.delete(name);
    if (existed !== (labels !== undefined)) this.onNamespace(name, labels !== undefined);
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return { namespaces: sortedEntries(this.namespaces), serviceAccounts: sortedEntries(this.serviceAccounts) };
  }
}

const implicitLabels = (name: string): Labels => labelSet({ 'kubernetes.io/metadata.name': name });
const serviceAccountKey = (account: k8s.ServiceAccount) => `${account.metadata.namespace ?? 'default'}/${account.metadata.name}`;
