// Shared ESLint flat config. Each project's eslint.config.mjs spreads this array.
// The module-boundary rules live here so that one file states the architecture:
//   apps -> libs (and the CLI -> the local-stack tool), libs -> libs,
//   libs/engine -> nothing in the workspace and nothing Node-only (it runs in browsers),
//   libs/event-store -> neither the engine nor the bus (it is the log, not its meaning or transport),
//   libs/testing -> only from tests.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const testFiles = ['**/*.test.ts', '**/*.test.tsx', '**/*.bench.ts', '**/test-support/**', '**/vitest.config.ts'];

/** Constraints for production code. */
const productionConstraints = [
  // The engine must run unchanged in a browser, in workflows and in agents.
  { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: [], allowedExternalImports: ['ipaddr.js', 'yaml'] },
  // The event store is the log alone: what events mean (the engine, the domain) and where they are
  // published (the bus) build on it, never the other way round.
  { sourceTag: 'scope:store', notDependOnLibsWithTags: ['scope:engine', 'scope:bus'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:testing', 'type:app'] },
];

/** Tests may also use the real-service harness; nothing else changes. */
const testConstraints = productionConstraints.map((c) => {
  if (c.sourceTag === 'scope:engine') {
    // Engine tests may read fixtures from disk and use vitest, but still import no other workspace lib.
    return { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: [] };
  }
  if (c.sourceTag === 'type:lib' || c.sourceTag === 'type:app' || c.sourceTag === 'type:tool') {
    return { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] };
  }
  return c;
});

/**
 * Apps are deployables: nothing imports them. Nx's rule only sees an import of a package it can
 * map to a project, so the app package names are also refused here by name.
 */
const appPackages = ['@palisade/gateway', '@palisade/console', '@palisade/worker', '@palisade/agent', '@palisade/cli'];
const nodeOnly = 'libs/engine and libs/contracts run in browsers: no Node built-in modules.';

function restrictedImports({ testing, nodeBuiltins }) {
  const paths = appPackages.map((name) => ({ name, message: 'apps are deployables: import a lib instead.' }));
  if (!testing) paths.push({ name: '@palisade/testing', message: '@palisade/testing is for tests only.' });
  if (nodeBuiltins) paths.push(...builtinModules.map((name) => ({ name, message: nodeOnly })));
  const patterns = [{ group: appPackages.map((name) => `${name}/*`), message: 'apps are deployables: import a lib instead.' }];
  if (nodeBuiltins) patterns.push({ group: ['node:*'], message: nodeOnly });
  return ['error', { paths, patterns }];
}

const boundaries = (depConstraints) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    banTransitiveDependencies: false,
    allow: [],
    depConstraints,
  },
];

export const base = [
  { ignores: ['**/dist/**', '**/.next/**', '**/.next-offline/**', '**/node_modules/**', '**/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { '@nx': nx },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(productionConstraints),
      'no-restricted-imports': restrictedImports({ testing: false, nodeBuiltins: false }),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Plain JavaScript entry points and tool configs run on Node; TypeScript files get their
    // globals from their tsconfig types instead (typescript-eslint turns no-undef off for them).
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(testConstraints),
      'no-restricted-imports': restrictedImports({ testing: true, nodeBuiltins: false }),
    },
  },
  {
    // Tool configuration files read shared settings from tools/config by relative path; they are
    // not code of the project and cross no module boundary.
    files: ['eslint.config.mjs', '*.config.ts', '*.config.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  prettier,
];

/** Extra rules for browser-safe libs (engine, contracts): no Node built-ins or globals outside tests. */
export const browserSafe = [
  {
    files: ['src/**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': restrictedImports({ testing: false, nodeBuiltins: true }),
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate'].map((name) => ({
          name,
          message: 'libs/engine and libs/contracts run in browsers: no Node globals.',
        })),
      ],
    },
  },
];

export default base;
