import type * as calico from '../model/calico.js';
import type { Rule } from '../model/rule.js';
import { labelSet } from '../selector/compile.js';
import { compileRule } from '../snapshot/compile-rule.js';
import type { ProfileInfo } from '../snapshot/types.js';
import { sortedEntries } from './dump.js';

const ALLOW_ALL: Rule[] = [{ action: 'Allow' }];
const DEFAULT_ALLOW = 'projectcalico-default-allow';

/**
 * Profiles, compiled: those Profile resources describe, and the ones Calico implies, which allow
 * everything unless a Profile of that name says otherwise: `kns.<namespace>` for every namespace
 * that exists, and `projectcalico-default-allow`.
 */
export class ProfileCalculator {
  readonly profiles = new Map<string, ProfileInfo>();
  private readonly described = new Map<string, ProfileInfo>();
  private readonly implied = new Set<string>([DEFAULT_ALLOW]);
  private readonly allowProfiles = new Map<string, ProfileInfo>();

  constructor() {
    this.refresh(DEFAULT_ALLOW);
  }

  set(profile: calico.CalicoProfile): void {
    const spec = profile.spec;
    this.described.set(profile.metadata.name, {
      name: profile.metadata.name,
      ingress: (spec?.ingress ?? []).map((rule, i) => compileRule(rule, i, undefined)),
      egress: (spec?.egress ?? []).map((rule, i) => compileRule(rule, i, undefined)),
      ...(spec?.labelsToApply ? { labelsToApply: labelSet(spec.labelsToApply) } : {}),
    });
    this.refresh(profile.metadata.name);
  }

  delete(name: string): void {
    this.described.delete(name);
    this.refresh(name);
  }

  /** A namespace came or went, and with it its `kns.` profile (unless a Profile describes it). */
  namespaceExists(namespace: string, exists: boolean): void {
    const name = `kns.${namespace}`;
    if (exists) this.implied.add(name);
    else this.implied.delete(name);
    this.refresh(name);
  }

  /** The labels these profiles apply to their endpoints, later profiles winning. */
  labelsToApply(names: readonly string[]): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const name of names) Object.assign(merged, this.profiles.get(name)?.labelsToApply ?? {});
    return merged;
  }

  private refresh(name: string): void {
    if (!this.implied.has(name)) this.allowProfiles.delete(name);
    const profile = this.described.get(name) ?? (this.implied.has(name) ? this.allowAll(name) : undefined);
    if (profile) this.profiles.set(name, profile);
    else this.profiles.delete(name);
  }

  /** An implied profile is made once while it is implied, so it stays the same object. */
  private allowAll(name: string): ProfileInfo {
    let profile = this.allowProfiles.get(name);
    if (!profile) this.allowProfiles.set(name, (profile = { name, ingress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)), egress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)) }));
    return profile;
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return sortedEntries(this.profiles);
  }
}
