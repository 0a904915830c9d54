/** NATS_URL split the way the NATS client wants it: servers, and credentials given apart. */
export interface NatsServers {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * "nats://user:password@host:port" (or "nats://token@host:port"), one or several comma-separated.
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
  if (colon === -1) return { servers, token: decodeURIComponent(creds) };
  return { servers, user: decodeURIComponent(creds.slice(0, colon)), pass: decodeURIComponent(creds.slice(colon + 1)) };
}
