import { down as stopStack } from '@palisade/stack';
import { info } from '../output.js';

export async function down(home: string): Promise<number> {
  const report = await stopStack(home);
  if (report.stopped.length === 0 && report.left.length === 0) {
    info(`Nothing is running (stack in ${home}).`);
    return 0;
  }
  info(`Stopped ${report.stopped.join(', ') || 'nothing'}.`);
  if (report.left.length) {
    process.stderr.write(`palisade down: could not stop ${report.left.join(', ')}\n`);
    return 1;
  }
  return 0;
}
