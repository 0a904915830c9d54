import { ServiceGraph } from './service-graph';

export default function GraphPage() {
  return <ServiceGraph />;
}
