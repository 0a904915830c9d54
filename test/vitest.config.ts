import { palisadeVitest } from '../tools/config/vitest.preset.ts';

// Cross-service tests start whole stacks: one file at a time, so two stacks never compete for two cores.
export default palisadeVitest('e2e', {
  integration: true,
  include: [
    'stack/**/*.test.ts',
    'api/**/*.test.ts',
    'cli/**/*.test.ts',
    'boundaries/**/*.test.ts',
    'enforcement/**/*.test.ts',
    'outbox/**/*.test.ts',
    'faults/**/*.test.ts',
    'infra/**/*.test.ts',
    'agents/**/*.test.ts',
    'rollouts/**/*.test.ts',
    'console/**/*.test.ts',
    'e2e/**/*.test.ts',
  ],
  serial: true,
});
