import { StackError, type StackComponent } from './errors.js';
import { findExecutable, run } from './process.js';

const isRoot = () => process.getuid?.() === 0;

/**
 * Installs a Debian package, as the issue of a missing server binary is fixed on Debian/Ubuntu.
 * Runs `apt-get update` only when the package index does not know the package yet.
 */
export async function aptInstall(pkg: string, component: StackComponent, log: (line: string) => void): Promise<void> {
  const manual = `sudo apt-get install -y ${pkg}`;
  const aptGet = findExecutable('apt-get', ['/usr/bin']);
  if (!aptGet) {
    throw new StackError('MISSING_BINARY', component, `${pkg} is not installed and this machine has no apt-get`, `Install ${pkg} with your package manager.`);
  }
  let prefix: string[] = [];
  if (!isRoot()) {
    const sudo = findExecutable('sudo', ['/usr/bin']);
    const probe = sudo ? await run(sudo, ['-n', 'true'], { timeoutMs: 5_000 }) : undefined;
    if (!sudo || probe?.code !== 0) {
      throw new StackError('MISSING_BINARY', component, `${pkg} is not installed and installing it needs root`, `Run: ${manual}`);
    }
    prefix = [sudo, '-n'];
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const exec = (args: string[]) => (prefix.length ? run(prefix[0]!, [...prefix.slice(1), aptGet, ...args], { env }) : run(aptGet, args, { env }));
  log(`installing the Debian package ${pkg} (once)...`);
  let result = await exec(['install', '-y', '--no-install-recommends', pkg]);
  if (result.code !== 0 && /Unable to locate package|no installation candidate|Failed to fetch/.test(result.stderr + result.stdout)) {
    log('refreshing the apt package index (apt-get update)...');
    await exec(['update']);
    result = await exec(['install', '-y', '--no-install-recommends', pkg]);
  }
  if (result.code !== 0) {
    const lastLine = (result.stderr.trim() || result.stdout.trim()).split('\n').at(-1) ?? '';
    throw new StackError('INSTALL_FAILED', component, `apt-get install ${pkg} failed: ${lastLine}`, `Run: ${manual}`);
  }
}
