import { Suspense } from 'react';
import { Board } from './board';

export default function PoliciesPage() {
  return (
    <Suspense>
      <Board />
    </Suspense>
  );
}
