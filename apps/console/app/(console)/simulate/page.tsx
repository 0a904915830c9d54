import { Suspense } from 'react';
import { Simulator } from './simulator';

export default function SimulatePage() {
  return (
    <Suspense>
      <Simulator />
    </Suspense>
  );
}
