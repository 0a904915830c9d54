import { redirect } from 'next/navigation';
import { currentViewer } from '../lib/current-session';

export const dynamic = 'force-dynamic';

/** Home is the policy board; without a session, the sign-in page. */
export default async function Home() {
  redirect((await currentViewer()) ? '/policies' : '/signin');
}
