'use client';

export function SignOut() {
  return (
    <button
      type="button"
      className="link"
      onClick={async () => {
        await fetch('/api/session', { method: 'DELETE' });
        window.location.assign('/signin');
      }}
    >
      Sign out
    </button>
  );
}
