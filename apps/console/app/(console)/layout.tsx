import Link from 'next/link';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { currentViewer } from '../../lib/current-session';
import { ViewerProvider } from '../../lib/client/viewer';
import { Providers } from '../providers';
import { SignOut } from './sign-out';

// Every page here needs a session; without one the person signs in first.
export const dynamic = 'force-dynamic';

const LINKS = [
  { href: '/policies', label: 'Policies' },
  { href: '/endpoints', label: 'Endpoints' },
  { href: '/simulate', label: 'Simulator' },
  { href: '/flows', label: 'Flows' },
  { href: '/graph', label: 'Graph' },
  { href: '/recommend', label: 'Recommend' },
  { href: '/releases', label: 'Releases' },
  { href: '/rollouts', label: 'Rollouts' },
  { href: '/clusters', label: 'Clusters' },
  { href: '/audit', label: 'Audit' },
];

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const viewer = await currentViewer();
  if (!viewer) redirect('/signin');
  const links = viewer.role === 'admin' ? [...LINKS, { href: '/tokens', label: 'Tokens' }] : LINKS;
  return (
    <Providers>
      <ViewerProvider viewer={viewer}>
        <header className="bar">
          <Link href="/policies" className="brand">
            Palisade
          </Link>
          <nav aria-label="Main">
            <ul>
              {links.map((l) => (
                <li key={l.href}>
                  <Link href={l.href}>{l.label}</Link>
                </li>
              ))}
              <li>
                <Link href="/platform">Platform</Link>
              </li>
            </ul>
          </nav>
          <span className="who" data-testid="viewer">
            {viewer.actor} <span className="role">{viewer.role}</span>
          </span>
          <SignOut />
        </header>
        <main id="main">{children}</main>
      </ViewerProvider>
    </Providers>
  );
}
