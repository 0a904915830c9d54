import { Suspense } from 'react';
import { PolicyEditor } from './policy-editor';

export default function EditPolicyPage() {
  return (
    <Suspense>
      <PolicyEditor />
    </Suspense>
  );
}
