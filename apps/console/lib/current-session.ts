import { cookies } from 'next/headers';
import { openSession, sessionKey, SESSION_COOKIE, type Session } from './session';

/** The signed-in person as the console's pages see them: never the token itself. */
export interface Viewer {
  actor: string;
  role: string;
  namespaces?: string[];
  tiers?: string[];
}

export async function currentViewer(): Promise<Viewer | undefined> {
  const session: Session | undefined = openSession((await cookies()).get(SESSION_COOKIE)?.value, sessionKey());
  if (!session) return undefined;
  const { token: _token, expiresAt: _expiresAt, ...viewer } = session;
  return viewer;
}
