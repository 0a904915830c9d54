import { Suspense } from 'react';
import { Endpoints } from './endpoints';

export default function EndpointsPage() {
  return (
    <Suspense>
      <Endpoints />
    </Suspense>
  );
}
