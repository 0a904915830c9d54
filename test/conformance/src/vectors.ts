import { readFileSync } from 'node:fs';

/** Reads a vector file of this folder (calico/*.json, k8s-netpol/*.json). */
export function loadVectors<T>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(`../${relativePath}`, import.meta.url), 'utf8')) as T;
}
