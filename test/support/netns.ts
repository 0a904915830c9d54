import { spawn, spawnSync } from 'node:child_process';
import { aptInstall, findWorkspaceRoot } from '@palisade/stack';

export interface HostTools {
  ok: boolean;
  /** Why real enforcement cannot be tested here (printed, and the tests are skipped, not passed). */
  reason?: string;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/**
 * Makes sure nft, ip and ping exist (installing nftables, iproute2 and iputils-ping from Debian
 * when missing) and that this process may create network namespaces.
 */
export async function ensureHostTools(): Promise<HostTools> {
  if (process.platform !== 'linux') return { ok: false, reason: 'real enforcement needs Linux network namespaces' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'real enforcement needs root (network namespaces and nftables)' };
  for (const [cmd, pkg] of [
    ['nft', 'nftables'],
    ['ip', 'iproute2'],
    ['ping', 'iputils-ping'],
  ] as const) {
    if (has(cmd)) continue;
    try {
      await aptInstall(pkg, 'stack', (line) => console.log(`[enforcement] ${line}`));
    } catch (error) {
      return { ok: false, reason: `${cmd} is missing and installing ${pkg} failed: ${(error as Error).message}` };
    }
  }
  const probe = `palprobe${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe]);
  if (made.status !== 0) return { ok: false, reason: `cannot create network namespaces: ${made.stderr.toString().trim()}` };
  spawnSync('ip', ['netns', 'del', probe]);
  return { ok: true };
}

export function sh(command: string): string {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function nsExec(ns: string, command: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', command], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A node process running a small script inside a namespace (a server), stopped with kill(). */
export function nsSpawn(ns: string, script: string): { kill: () => void } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: 'ignore', cwd: findWorkspaceRoot(import.meta.dirname) });
  return { kill: () => child.kill('SIGKILL') };
}
