'use client';
import { useQuery } from '@tanstack/react-query';
import { describeError, useTRPC } from '../../../lib/client/trpc';

/** The hash chain's verification, read when the page opens (security admins and admins). */
export function ChainStatus() {
  const trpc = useTRPC();
  const verify = useQuery({ ...trpc.audit.verify.queryOptions({}), staleTime: 60_000 });
  return (
    <p role="status" className={`banner ${verify.data ? (verify.data.ok ? 'ok' : 'error') : ''}`} data-testid="chain-status">
      {verify.isPending && 'Verifying the hash chain…'}
      {verify.error && `The chain could not be verified: ${describeError(verify.error).message}`}
      {verify.data &&
        (verify.data.ok
          ? `Hash chain intact: ${verify.data.checked} events checked${verify.data.unsealed ? `, ${verify.data.unsealed} not sealed yet` : ''}${verify.data.head ? `, head at position ${verify.data.head.position}` : ''}.`
          : `Hash chain BROKEN at position ${verify.data.broken?.position}: ${verify.data.broken?.problem}`)}
    </p>
  );
}
