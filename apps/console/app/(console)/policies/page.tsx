import { Suspense } from 'react';
import { gatewayAsViewer } from '../../../lib/gateway-server';
import { Board } from './board';
import { boardInput, type BoardPage } from './board-input';

/**
 * The board's first page is fetched here, on the console's server, so it arrives in the HTML:
 * the rows show before the scripts load; the client takes over from the same data.
 */
export default async function PoliciesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const at = (await searchParams)['at'];
  const input = boardInput({}, 0, typeof at === 'string' ? at : undefined);
  let initial: BoardPage | undefined;
  try {
    initial = await (await gatewayAsViewer())?.board.policies.query(input);
  } catch {
    // The client asks again and shows the gateway's error where the board would be.
  }
  return (
    <Suspense>
      <Board initial={initial} />
    </Suspense>
  );
}
