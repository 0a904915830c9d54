import { Audit } from './audit';

export default function AuditPage() {
  return <Audit />;
}
