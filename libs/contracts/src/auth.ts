import { z } from 'zod';

/** Roles, from least to most: what each may do is decided in libs/api (authz/roles.ts). */
export const ROLES = ['viewer', 'developer', 'security-admin', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const Role = z.enum(ROLES);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Token names: no "#" or "(", so a token actor (below) parses back unambiguously. */
const TOKEN_NAME = /^[\w .@:-]+$/;

/** What an admin gives when creating a token: checked at the API edge and again by the store. */
export const TokenRequest = z
  .object({
    name: z.string().min(1).max(128).regex(TOKEN_NAME, 'letters, digits, spaces and . _ @ : - only'),
    role: Role,
    namespaces: z.array(z.string().regex(DNS_LABEL, 'a namespace name')).max(256).default([]),
    tiers: z.array(z.string().regex(DNS_LABEL, 'a tier name')).max(64).default(['default']),
    /** Lifetime in days (default 90, at most 3 years); tokens never live forever. */
    expiresInDays: z.number().int().min(1).max(1096).default(90),
  })
  .strict()
  .refine((t) => t.role !== 'developer' || t.namespaces.length > 0, { message: 'a developer token must be bound to at least one namespace', path: ['namespaces'] });
export type TokenRequest = z.input<typeof TokenRequest>;

/**
 * The actor a token's writes record: `token:<name>#<id>(<role>)`, e.g.
 * `token:dana#a1b2c3d4e5f6(developer)`. The name alone was ambiguous (two tokens could share it,
 * one with more rights); the id is unique; the role is written down because events have no column
 * for it. Events recorded before this format say `token:<name>`.
 */
export function tokenActor(token: { id: string; name: string; role: Role }): string {
  return `token:${token.name}#${token.id}(${token.role})`;
}

const TOKEN_ACTOR = /^token:(.+)#([0-9a-f]{12})\(([a-z-]+)\)$/;

/** The token an actor string names, when it is one in the format above. */
export function parseTokenActor(actor: string): { id: string; name: string; role: Role } | undefined {
  const [, name, id, role] = TOKEN_ACTOR.exec(actor) ?? [];
  const parsed = Role.safeParse(role);
  return name !== undefined && id !== undefined && TOKEN_NAME.test(name) && parsed.success ? { id, name, role: parsed.data } : undefined;
}
