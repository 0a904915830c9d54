import { z } from 'zod';

/** Roles, from least to most: what each may do is decided in libs/api (authz/roles.ts). */
export const ROLES = ['viewer', 'developer', 'security-admin', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const Role = z.enum(ROLES);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What an admin gives when creating a token: checked at the API edge and again by the store. */
export const TokenRequest = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w .@:-]+$/, 'letters, digits, spaces and . _ @ : - only'),
    role: Role,
    namespaces: z.array(z.string().regex(DNS_LABEL, 'a namespace name')).max(256).default([]),
    tiers: z.array(z.string().regex(DNS_LABEL, 'a tier name')).max(64).default(['default']),
    /** Lifetime in days (default 90, at most 3 years); tokens never live forever. */
    expiresInDays: z.number().int().min(1).max(1096).default(90),
  })
  .strict()
  .refine((t) => t.role !== 'developer' || t.namespaces.length > 0, { message: 'a developer token must be bound to at least one namespace', path: ['namespaces'] });
export type TokenRequest = z.input<typeof TokenRequest>;
