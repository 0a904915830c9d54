import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  // The monorepo root, so Turbopack follows the workspace symlinks in node_modules/@palisade.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  // A build somewhere else than .next (the offline-build test builds beside the served one).
  distDir: process.env['PALISADE_CONSOLE_DIST_DIR'] ?? '.next',
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
