// Shared Vitest settings. Every project's vitest.config.ts calls palisadeVitest(name).
// Tests resolve workspace libs to their TypeScript sources through the "@palisade/source"
// export condition, so a unit test never needs a prior build of the libs it imports.
// Known limit: Vitest does not apply ssr.resolve.conditions to globalSetup files (vitest#9429),
// so the harness's global setup loads @palisade/stack from its build; `nx test` builds it first.
// Each run also writes a JSON report to reports/vitest/<project>.json, which the test
// command sums into the final "N passed, N failed" line.
import { resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = resolve(import.meta.dirname, '..', '..');

export interface PalisadeVitestOptions {
  /** Tests that talk to real services get the harness's global setup and longer timeouts. */
  integration?: boolean;
  include?: string[];
  environment?: 'node' | 'jsdom';
  /** Run test files one at a time (suites that each start whole stacks). */
  serial?: boolean;
}

export function palisadeVitest(project: string, options: PalisadeVitestOptions = {}): ViteUserConfig {
  const integration = options.integration ?? false;
  return defineConfig({
    resolve: { conditions: ['@palisade/source', 'module', 'browser', 'development|production'] },
    // Without the bundlers' "module" condition, packages resolve in tests as Node resolves them when
    // the services run (OpenTelemetry's "module" builds have extensionless imports Node cannot load).
    ssr: { resolve: { conditions: ['@palisade/source', 'node', 'development|production'] } },
    test: {
      name: project,
      include: options.include ?? ['src/**/*.test.ts', 'src/**/*.test.tsx'],
      exclude: ['**/node_modules/**', '**/dist/**', '**/.next/**'],
      fileParallelism: !options.serial,
      environment: options.environment ?? 'node',
      globalSetup: integration ? [resolve(workspaceRoot, 'libs/testing/src/global-setup.ts')] : [],
      testTimeout: integration ? 60_000 : 10_000,
      hookTimeout: integration ? 120_000 : 10_000,
      reporters: ['default', 'json'],
      outputFile: { json: resolve(workspaceRoot, 'reports/vitest', `${project}.json`) },
      // Two cores: keep integration suites from starving the services they talk to.
      maxWorkers: integration ? 2 : undefined,
    },
  });
}
