/** NATS_URL split the way the NATS client wants it: servers, and credentials given apart. */
export interface NatsServers {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /**
   * For a NATS in operator mode (decentralized auth): the service's bearer user JWT, given in the
   * URL's userinfo as a password would be. A bearer JWT needs no nonce signature, so this is all
   * the client has to send.
   */
  authenticator?: () => { jwt: string };
}

/** A user JWT: three base64url parts, the header of which always starts with `{"` (eyJ). */
const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

/**
 * "nats://user:password@host:port" (or "nats://token@host:port", or "nats://<bearer user JWT>@host:port"),
 * one or several comma-separated.
 * The NATS client does not read credentials from server URLs, so they are taken out here; every
 * server of a list must carry the same ones (a cluster has one set of users).
 */
export function parseNatsUrl(url: string): NatsServers {
  const servers: string[] = [];
  let creds: string | undefined;
  for (const raw of url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+:\/\/)(?:([^@/\s]*)@)?(.+)$/i.exec(raw);
    if (!match) throw new Error(`not a NATS server URL: ${raw.replace(/\/\/[^@/]*@/, '//***@')}`);
    const [, scheme, userinfo, rest] = match;
    if (creds !== undefined && userinfo !== undefined && userinfo !== creds) throw new Error('every server in NATS_URL must carry the same credentials');
    if (userinfo !== undefined) creds = userinfo;
    servers.push(`${scheme}${rest}`);
  }
  if (creds === undefined || creds === '') return { servers };
  const colon = creds.indexOf(':');
  if (colon === -1) {
    const token = decodeURIComponent(creds);
    if (JWT.test(token)) return { servers, authenticator: () => ({ jwt: token }) };
    return { servers, token };
  }
  return { servers, user: decodeURIComponent(creds.slice(0, colon)), pass: decodeURIComponent(creds.slice(colon + 1)) };
}
