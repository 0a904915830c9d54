/**
 * A connection string with its password masked, safe to print and log. Works on URLs
 * (postgres://user:pw@host/db) and on comma-separated server lists (nats://a:pw@h1,nats://h2).
 */
export function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@\s,]*):[^@\s,]*@/g, '$1:***@');
}
