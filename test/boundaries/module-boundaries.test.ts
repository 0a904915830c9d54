// The architecture is enforced by lint, not memory: these cases run the project's real ESLint
// configuration on code placed in each project and check what it accepts and refuses.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { root } from '../support/cli.js';

async function lint(projectDir: string, file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: join(root, projectDir), overrideConfigFile: join(root, projectDir, 'eslint.config.mjs') });
  const [result] = await eslint.lintText(code, { filePath: join(root, projectDir, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('module boundaries', () => {
  it('refuses an import from a lib into an app, by package name or by path', async () => {
    const byName = await lint('libs/bus', 'src/probe.ts', "import * as gateway from '@palisade/gateway';\nexport const x = gateway;\n");
    expect(byName.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
    const console = await lint('libs/api', 'src/probe.ts', "import * as page from '@palisade/console/app/page';\nexport const x = page;\n");
    expect(console.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
    const byPath = await lint('libs/bus', 'src/probe.ts', "import { createGatewayServer } from '../../../apps/gateway/src/server.js';\nexport const x = createGatewayServer;\n");
    expect(byPath.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses an import from libs/engine into any other workspace lib', async () => {
    for (const lib of ['@palisade/contracts', '@palisade/bus', '@palisade/event-store', '@palisade/domain']) {
      const messages = await lint('libs/engine', 'src/probe.ts', `import * as other from '${lib}';\nexport const x = other;\n`);
      expect(
        messages.filter((m) => m.startsWith('@nx/enforce-module-boundaries')),
        lib,
      ).toHaveLength(1);
    }
  });

  it('keeps libs/event-store a pure log: it imports neither the engine nor the bus, in code or tests', async () => {
    for (const lib of ['@palisade/engine', '@palisade/bus']) {
      for (const file of ['src/probe.ts', 'src/probe.test.ts']) {
        const messages = await lint('libs/event-store', file, `import * as other from '${lib}';\nexport const x = other;\n`);
        expect(
          messages.filter((m) => m.startsWith('@nx/enforce-module-boundaries')),
          `${lib} in ${file}`,
        ).toHaveLength(1);
      }
    }
    // The domain and the outbox are where those meet the log.
    expect(await lint('libs/domain', 'src/probe.ts', "import { keyOf } from '@palisade/engine';\nimport { append } from '@palisade/event-store';\nexport const x = [keyOf, append];\n")).toEqual([]);
    expect(
      await lint('libs/outbox', 'src/probe.ts', "import { subjects } from '@palisade/bus';\nimport { readRange } from '@palisade/event-store';\nexport const x = [subjects, readRange];\n"),
    ).toEqual([]);
  });

  it('refuses Node built-ins, Node globals and other npm packages in libs/engine', async () => {
    const builtins = await lint('libs/engine', 'src/probe.ts', "import { readFileSync } from 'node:fs';\nimport path from 'path';\nexport const x = [readFileSync, path];\n");
    expect(builtins.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(2);
    const globals = await lint('libs/engine', 'src/probe.ts', 'export const env = process.env;\n');
    expect(globals.some((m) => m.startsWith('no-restricted-globals'))).toBe(true);
    const pkg = await lint('libs/engine', 'src/probe.ts', "import { z } from 'zod';\nexport const x = z;\n");
    expect(pkg.some((m) => m.includes('imports of "zod" are banned') || m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('allows the engine its own dependencies', async () => {
    const messages = await lint('libs/engine', 'src/probe.ts', "import ipaddr from 'ipaddr.js';\nimport { parse } from 'yaml';\nexport const x = [ipaddr, parse];\n");
    expect(messages).toEqual([]);
  });

  it('keeps the test harness out of production code but lets tests use it', async () => {
    const code = "import { uniqueName } from '@palisade/testing';\nexport const x = uniqueName;\n";
    expect((await lint('libs/bus', 'src/probe.ts', code)).length).toBeGreaterThan(0);
    expect(await lint('libs/bus', 'src/probe.test.ts', code)).toEqual([]);
  });

  it('allows an app to import a lib (the control case)', async () => {
    expect(await lint('apps/gateway', 'src/probe.ts', "import { appRouter } from '@palisade/api';\nexport const x = appRouter;\n")).toEqual([]);
  });
});
