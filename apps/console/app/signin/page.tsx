import { redirect } from 'next/navigation';
import { currentViewer } from '../../lib/current-session';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await currentViewer()) redirect('/policies');
  return (
    <main id="main" className="signin">
      <h1>Sign in to Palisade</h1>
      <p className="muted">
        Paste an API token (from <code>palisade token create</code> or an admin). The console keeps it on its server; this page never stores it.
      </p>
      <SignInForm />
    </main>
  );
}
