'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@palisade/api';
import { useTRPC } from '../../../lib/client/trpc';
import { whyHref } from '../flows/why';
import { ErrorNote, Head } from '../ui';
import { layoutGraph } from './layout-graph';

type Graph = inferRouterOutputs<AppRouter>['flows']['graph'];
const COLOURS = { allow: '#116329', deny: '#a40e26', mixed: '#9a6700' } as const;

/** Namespaces' workloads and the traffic between them, coloured by verdict; an edge opens its flows and deciding rules. */
export function ServiceGraph() {
  const trpc = useTRPC();
  const [namespace, setNamespace] = useState('');
  // Every cluster's traffic together, or one cluster's.
  const [cluster, setCluster] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [selected, setSelected] = useState<string | null>(null);
  const minute = Math.floor(Date.now() / 60_000);
  const since = useMemo(() => new Date((minute - minutes) * 60_000).toISOString(), [minute, minutes]);
  const graph = useQuery({
    ...trpc.flows.graph.queryOptions({ since, ...(namespace.trim() ? { namespace: namespace.trim() } : {}), ...(cluster.trim() ? { cluster: cluster.trim() } : {}) }),
    refetchInterval: 15_000,
    placeholderData: (p) => p,
  });
  const { nodes, edges } = useMemo(() => toFlow(graph.data), [graph.data]);
  const edge = graph.data?.edges.find((e) => e.id === selected);
  return (
    <section aria-labelledby="graph-title">
      <h1 id="graph-title">Service graph</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Cluster
          <input value={cluster} onChange={(e) => setCluster(e.target.value)} placeholder="all clusters" maxLength={63} />
        </label>
        <label>
          Namespace
          <input value={namespace} onChange={(e) => setNamespace(e.target.value)} placeholder="all" />
        </label>
        <label>
          Window
          <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            <option value={15}>last 15 minutes</option>
            <option value={60}>last hour</option>
            <option value={360}>last 6 hours</option>
            <option value={1440}>last day</option>
          </select>
        </label>
      </form>
      <ErrorNote error={graph.error} />
      <p className="muted">
        {graph.data ? `${graph.data.nodes.length} workloads and addresses, ${graph.data.edges.length} connections` : 'Reading the flows…'} · green allowed, red denied, amber both
      </p>
      <div className="graph" data-testid="service-graph">
        <ReactFlow nodes={nodes} edges={edges} fitView onEdgeClick={(_e, clicked) => setSelected(clicked.id)} nodesDraggable nodesConnectable={false} proOptions={{ hideAttribution: true }}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      {/* The same connections as a table: every edge reachable by keyboard and screen reader. */}
      <h2>Connections</h2>
      <div className="scroll">
        <table>
          <Head columns={['From', 'To', 'Verdict', 'Records', '']} />
          <tbody>
            {(graph.data?.edges ?? []).map((e) => (
              <tr key={e.id} data-edge={e.id} aria-current={e.id === selected ? 'true' : undefined}>
                <td>{e.source}</td>
                <td>{e.target}</td>
                <td style={{ color: COLOURS[e.verdict] }}>{e.verdict}</td>
                <td>{e.records}</td>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(e.id)}>
                    Details
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {edge && (
        <section className="card" aria-labelledby="edge-title" data-testid="edge-details">
          <h2 id="edge-title">
            {edge.source} → {edge.target}
          </h2>
          <table>
            <Head columns={['Port', 'Verdict', 'Deciding rule', 'Records', '']} />
            <tbody>
              {edge.details.map((d, i) => (
                <tr key={i}>
                  <td>
                    {d.protocol}
                    {d.port ? `/${d.port}` : ''}
                  </td>
                  <td className={d.action === 'Allow' ? 'ok' : 'error'}>{d.action}</td>
                  <td>
                    <code>{d.policy}</code>
                  </td>
                  <td>{d.records}</td>
                  <td>
                    <Link href={whyHref({ ...d.sample, protocol: d.protocol, port: d.port, ...(cluster.trim() ? { cluster: cluster.trim() } : {}) })}>why?</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}

function toFlow(graph: Graph | undefined): { nodes: Node[]; edges: Edge[] } {
  if (!graph) return { nodes: [], edges: [] };
  const positions = layoutGraph(graph.nodes, graph.edges);
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      position: positions.get(n.id)!,
      data: { label: `${n.kind === 'workload' ? `${n.namespace}/` : ''}${n.label}${n.pods ? ` (${n.pods})` : ''}` },
      style: { width: 190, fontSize: 12, border: n.kind === 'external' ? '1px dashed #57606a' : '1px solid #1f2328' },
    })),
    edges: graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: String(e.records),
      style: { stroke: COLOURS[e.verdict], strokeWidth: Math.min(6, 1 + Math.log10(1 + e.records)) },
      markerEnd: { type: MarkerType.ArrowClosed, color: COLOURS[e.verdict] },
      labelStyle: { fill: COLOURS[e.verdict], fontWeight: 600 },
    })),
  };
}
