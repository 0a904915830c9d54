import { describe, expect, it } from 'vitest';
import { serviceGraph, type RawEdge } from './graph.js';

const pod = (name: string, app: string, ip: string) => ({ namespace: 'shop', name, labels: { app, 'pod-template-hash': 'h' }, ip });
const edge = (source: RawEdge['source'], destination: RawEdge['destination'], action: 'Allow' | 'Deny', port = 8080, records = 1): RawEdge => ({
  source,
  destination,
  protocol: 'TCP',
  port,
  action,
  policy: action === 'Allow' ? 'default/NetworkPolicy/shop/in/0' : 'default/end-of-tier',
  records,
  bytes: records * 100,
});

describe('service graph', () => {
  it('groups pods into workloads by stable labels, and marks a pair that saw both verdicts as mixed', () => {
    const graph = serviceGraph([
      edge(pod('web-a', 'web', '10.0.0.1'), pod('api-a', 'api', '10.0.0.2'), 'Allow', 8080, 5),
      edge(pod('web-b', 'web', '10.0.0.3'), pod('api-a', 'api', '10.0.0.2'), 'Deny', 22, 2),
      edge({ namespace: null, name: null, labels: {}, ip: '203.0.113.7' }, pod('web-a', 'web', '10.0.0.1'), 'Allow', 443),
    ]);
    expect(graph.nodes).toEqual([
      { id: '203.0.113.7', namespace: null, label: '203.0.113.7', kind: 'external', pods: 0 },
      { id: 'shop/api', namespace: 'shop', label: 'api', kind: 'workload', pods: 1 },
      { id: 'shop/web', namespace: 'shop', label: 'web', kind: 'workload', pods: 2 },
    ]);
    const webApi = graph.edges.find((e) => e.id === 'shop/web→shop/api')!;
    expect([webApi.verdict, webApi.records, webApi.bytes]).toEqual(['mixed', 7, 700]);
    expect(webApi.details.map((d) => `${d.port} ${d.action} ${d.records} ${d.sample.from}`)).toEqual(['8080 Allow 5 shop/web-a', '22 Deny 2 shop/web-b']);
    expect(graph.edges.find((e) => e.source === '203.0.113.7')!.verdict).toBe('allow');
  });

  it("shows a flow its destination denied as denied, though its source's egress reported it allowed", () => {
    const web = pod('web-a', 'web', '10.0.0.1');
    const db = pod('db-a', 'db', '10.0.0.9');
    const graph = serviceGraph([
      { ...edge(web, db, 'Allow', 5432, 3), reporter: 'src' },
      { ...edge(web, db, 'Deny', 5432, 3), reporter: 'dst' },
    ]);
    expect(graph.edges.map((e) => [e.id, e.verdict, e.records])).toEqual([['shop/web→shop/db', 'deny', 3]]);
  });
});
