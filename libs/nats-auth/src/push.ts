/**
 * Sends an account JWT to every server of the cluster through the system account
 * ($SYS.REQ.CLAIMS.UPDATE): the full resolver stores it and applies it at once, so a revoked
 * user's connections are closed and it cannot connect again. `request` is a system-account
 * connection's request function; the server answers with a JSON status.
 */
export async function pushAccount(request: (subject: string, data: string, timeoutMs: number) => Promise<string>, accountJwt: string): Promise<void> {
  const answer = await request('$SYS.REQ.CLAIMS.UPDATE', accountJwt, 5_000);
  let parsed: { data?: { code?: number; message?: string }; error?: { code?: number; description?: string } };
  try {
    parsed = JSON.parse(answer) as typeof parsed;
  } catch {
    throw new Error(`nats-server answered the account update with ${JSON.stringify(answer.slice(0, 200))}`);
  }
  if (parsed.error || (parsed.data?.code ?? 200) >= 300) throw new Error(`nats-server refused the account update: ${parsed.error?.description ?? parsed.data?.message ?? 'no reason given'}`);
}
