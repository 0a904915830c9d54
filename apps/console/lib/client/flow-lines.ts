/** "from to protocol [port]" per line, as typed in the impact preview's flow box. */
export function parseFlowLines(text: string): { flows: { from: string; to: string; protocol: string; port?: number }[]; error?: string } {
  const flows: { from: string; to: string; protocol: string; port?: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) continue;
    if (parts.length < 3 || parts.length > 4 || (parts[3] !== undefined && !/^\d+$/.test(parts[3])))
      return { flows, error: `line ${i + 1}: write "from to protocol [port]", e.g. "shop/web shop/db TCP 5432"` };
    flows.push({ from: parts[0]!, to: parts[1]!, protocol: parts[2]!, ...(parts[3] ? { port: Number(parts[3]) } : {}) });
  }
  return { flows };
}
