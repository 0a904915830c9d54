import dagre from '@dagrejs/dagre';

/** Node positions left to right by who talks to whom (dagre's layered layout). */
export function layoutGraph(nodes: { id: string }[], edges: { source: string; target: string }[], size = { width: 190, height: 56 }): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 110 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { ...size });
  for (const e of edges) if (e.source !== e.target) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return new Map(nodes.map((n) => [n.id, { x: g.node(n.id).x - size.width / 2, y: g.node(n.id).y - size.height / 2 }]));
}
