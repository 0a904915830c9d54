import { afterEach, beforeEach, vi } from 'vitest';
import { runCli } from '../program.js';

/**
 * Runs the CLI in-process with its stdout and stderr captured, for each test of the file that
 * calls this (hooks are registered on the spot).
 */
export function captureCli() {
  const captured = { out: '', err: '' };
  beforeEach(() => {
    captured.out = '';
    captured.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((captured.out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((captured.err += String(chunk)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  return {
    get out() {
      return captured.out;
    },
    set out(value: string) {
      captured.out = value;
    },
    get err() {
      return captured.err;
    },
    set err(value: string) {
      captured.err = value;
    },
    /** `palisade <args>`; resolves to the exit code. */
    async palisade(...args: string[]): Promise<number> {
      await runCli(['node', 'palisade', ...args]);
      return Number(process.exitCode ?? 0);
    },
  };
}
