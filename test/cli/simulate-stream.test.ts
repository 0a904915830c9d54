// `palisade simulate --probes` used to build its whole answer as one string, so above about a
// million probes (fewer with --explain, whose traces are long) it died with "Invalid string
// length". Results are now written as they are decided: this run writes more than the longest
// string V8 can hold, from a process whose heap is capped far below that.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { palisadeBin, root } from '../support/cli.js';

/** V8's longest string on 64-bit: 2^29 - 24 characters. */
const MAX_STRING = 2 ** 29 - 24;

function snapshotFile(dir: string): string {
  const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n'];
  for (let i = 0; i < 4; i++)
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: shop, labels: {app: a${i}}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.0.0.${i + 1}}\n`);
  // Many policies that apply but do not match: every probe's explain trace lists them all.
  for (let i = 0; i < 60; i++)
    docs.push(
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g${i}}\nspec:\n  order: ${i}\n  selector: all()\n  ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'z${i}'}, destination: {ports: [${1000 + i}]}}]\n  egress: [{action: Allow, protocol: UDP}]\n`,
    );
  const path = join(dir, 'snapshot.yaml');
  writeFileSync(path, docs.join('---\n'));
  return path;
}

async function probesFile(dir: string, count: number): Promise<string> {
  const path = join(dir, 'probes.ndjson');
  const out = createWriteStream(path);
  const line = `${JSON.stringify({ from: 'shop/p0', to: 'shop/p1', protocol: 'TCP', port: 80 })}\n`;
  for (let i = 0; i < count; i++) if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

describe('palisade simulate --probes streams its answer', () => {
  it('writes a JSON answer longer than any string, in bounded memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-stream-'));
    const probes = 40_000;
    const args = ['simulate', '-f', snapshotFile(dir), '--probes', await probesFile(dir, probes), '--explain', '-o', 'json'];
    const result = await new Promise<{ code: number | null; bytes: number; head: string; tail: string; stderr: string; elements: number }>((resolve) => {
      // 160 MiB of heap: a quarter of the answer, which therefore cannot be held at once.
      const child = spawn(process.execPath, ['--max-old-space-size=160', palisadeBin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let bytes = 0;
      let head = '';
      let tail = '';
      let stderr = '';
      let elements = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const text = chunk.toString('latin1');
        if (head.length < 200) head += text.slice(0, 200);
        tail = (tail + text).slice(-200);
        // Each element of the list opens on its own line at two spaces' indentation.
        elements += text.split('\n  {\n').length - 1 + (text.startsWith('  {\n') ? 1 : 0);
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, bytes, head, tail, stderr, elements }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.bytes).toBeGreaterThan(MAX_STRING);
    expect(result.head.startsWith('[\n  {\n    "from": "shop/p0"')).toBe(true);
    expect(result.tail.endsWith('\n  }\n]\n')).toBe(true);
    expect(result.elements).toBe(probes);
  }, 240_000);

  it('stops at a bad probe with exit 2, naming it and its line, after the results before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-stream-'));
    const path = join(dir, 'probes.ndjson');
    writeFileSync(path, `${JSON.stringify({ from: 'shop/p0', to: 'shop/p1', protocol: 'TCP', port: 80 })}\n\n${JSON.stringify({ from: 'shop/p0', to: 'shop/nobody', protocol: 'TCP', port: 80 })}\n`);
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [palisadeBin, 'simulate', '-f', snapshotFile(dir), '--probes', path, '-o', 'ndjson'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code).toBe(2);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { to: string }).to),
    ).toEqual(['shop/p1']);
    expect(result.stderr).toMatch(/probe 1: to: "shop\/nobody" is not a known endpoint/);
  });
});
