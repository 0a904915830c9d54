import { compileNode, renderNftables } from '@palisade/engine';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { info } from '../output.js';
import { loadSnapshot } from './snapshot-input.js';

/** Prints one node's compiled ruleset: nftables text, or the dataplane-neutral IR as JSON. */
export function compileCommand(options: { files: string[]; recursive: boolean; node: string; format: 'nft' | 'json' }): number {
  const snapshot = loadSnapshot(options.files, options.recursive);
  if (!snapshot.nodes.has(options.node)) {
    throw new InputError(`no node ${options.node} in the snapshot; nodes: ${[...snapshot.nodes.keys()].sort().join(', ') || '(none)'}`);
  }
  const ir = compileNode(snapshot, options.node);
  info(options.format === 'json' ? JSON.stringify(ir, null, 2) : renderNftables(ir).trimEnd());
  return EXIT.OK;
}
