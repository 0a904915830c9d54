import { Flows } from './flows';

export default function FlowsPage() {
  return <Flows />;
}
