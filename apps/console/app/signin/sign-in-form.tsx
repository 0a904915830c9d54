'use client';
import { useState, type FormEvent } from 'react';

export function SignInForm() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const field = event.currentTarget.elements.namedItem('token') as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    const response = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: field.value }) }).catch(() => undefined);
    // The field is cleared whatever happened: the token lives on in the cookie only.
    field.value = '';
    if (response?.ok) {
      window.location.assign('/policies');
      return;
    }
    setBusy(false);
    setError(response ? (((await response.json().catch(() => ({}))) as { error?: string }).error ?? `sign-in failed (${response.status})`) : 'the console did not answer');
  }
  return (
    <form onSubmit={submit} className="card" aria-describedby={error ? 'signin-error' : undefined}>
      <label htmlFor="token">API token</label>
      <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} required />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {error && (
        <p id="signin-error" role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
