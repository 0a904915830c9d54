/**
 * A connection string with its credentials masked, safe to print and log. Works on URLs
 * (postgres://user:pw@host/db) and on comma-separated server lists (nats://a:pw@h1,nats://h2).
 * A password is masked and the user kept; a user with no password is masked too, because that
 * is how NATS carries a token (nats://<token>@host), and the local stack's is a bearer JWT.
 */
export function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@\s,]*):[^@\s,]*@/g, '$1:***@').replace(/\/\/[^:/@\s,]+@/g, '//***@');
}
