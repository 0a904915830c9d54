import { Recommend } from './recommend';

export default function RecommendPage() {
  return <Recommend />;
}
