import { Suspense } from 'react';
import { Clusters } from './clusters';

export default function ClustersPage() {
  return (
    <Suspense>
      <Clusters />
    </Suspense>
  );
}
