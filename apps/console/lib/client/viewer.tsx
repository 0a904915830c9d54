'use client';
import { createContext, useContext, type ReactNode } from 'react';
import { authorize, authorizeWrite, type Permission, type Principal, type Role } from '@palisade/api/authz';
import type { Resource } from '@palisade/engine';
import type { Viewer } from '../current-session';

// What the signed-in person may do, for showing only the controls they can use. The gateway
// decides every request again; this only keeps the page honest about it.

const ViewerContext = createContext<Viewer | undefined>(undefined);

export function ViewerProvider({ viewer, children }: { viewer: Viewer; children: ReactNode }) {
  return <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>;
}

export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside a signed-in page');
  return viewer;
}

const principalOf = (viewer: Viewer): Principal => ({
  actor: viewer.actor,
  role: viewer.role as Role,
  ...(viewer.namespaces ? { namespaces: viewer.namespaces } : {}),
  ...(viewer.tiers ? { tiers: viewer.tiers } : {}),
});

export function useCan(): { can: (permission: Permission) => boolean; canWrite: (resource: Resource | null, before?: Resource | null) => boolean } {
  const viewer = useViewer();
  const principal = principalOf(viewer);
  return {
    can: (permission) => authorize(principal, permission).allowed,
    canWrite: (resource, before = null) => {
      try {
        return authorizeWrite(principal, resource, before).allowed;
      } catch {
        return false;
      }
    },
  };
}
