import { Releases } from './releases';

export default function ReleasesPage() {
  return <Releases />;
}
