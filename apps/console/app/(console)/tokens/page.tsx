import { Tokens } from './tokens';

export default function TokensPage() {
  return <Tokens />;
}
