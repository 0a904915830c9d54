import { Suspense } from 'react';
import { Rollouts } from './rollouts';

export default function RolloutsPage() {
  return (
    <Suspense>
      <Rollouts />
    </Suspense>
  );
}
