// infra/agent/daemonset.yaml: parses, and carries what an agent on every node needs and no more.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AgentSettings } from '@palisade/contracts';
import { loadAgentSettings } from '@palisade/node-agent';
import { root } from '../support/cli.js';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

const docs = parseAllDocuments(readFileSync(join(root, 'infra', 'agent', 'daemonset.yaml'), 'utf8')).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Doc;
});
const byKind = (kind: string) => docs.find((d) => d.kind === kind)!;

describe('the agent DaemonSet', () => {
  it('holds a namespace, a service account, read-only RBAC bound to it, the config and the DaemonSet', () => {
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet']);
    for (const d of docs) expect(d.apiVersion && d.metadata.name).toBeTruthy();
    const rules = (byKind('ClusterRole') as unknown as { rules: { verbs: string[] }[] }).rules;
    expect(rules.flatMap((r) => r.verbs).every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    const binding = byKind('ClusterRoleBinding') as unknown as { roleRef: { name: string }; subjects: { name: string; namespace: string }[] };
    expect(binding.roleRef.name).toBe('palisade-agent');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'palisade-agent', namespace: 'palisade-system' }]);
  });

  it('runs on every node, on the host network, with NET_ADMIN and NET_RAW only', () => {
    const ds = byKind('DaemonSet') as unknown as {
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            serviceAccountName: string;
            hostNetwork: boolean;
            tolerations: { operator: string }[];
            containers: { args: string[]; securityContext: { allowPrivilegeEscalation: boolean; privileged: boolean; capabilities: { drop: string[]; add: string[] } } }[];
          };
        };
      };
    };
    const pod = ds.spec.template.spec;
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(pod.serviceAccountName).toBe('palisade-agent');
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    const security = pod.containers[0]!.securityContext;
    expect(security).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] } });
    expect(pod.containers[0]!.args).toEqual(['agent', 'run', '--config', '/etc/palisade/agent.yaml']);
  });

  it('configures the agent with settings the agent accepts', () => {
    const config = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data['agent.yaml']!;
    const settings = parseAllDocuments(config)[0]!.toJS() as unknown;
    expect(AgentSettings.safeParse(settings).success).toBe(true);
    // The pods on each node come from the API server, through the ServiceAccount's read-only role.
    expect(settings).toMatchObject({ kubernetes: {} });
    const role = byKind('ClusterRole') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    const core = role.rules.find((r) => r.apiGroups.includes(''))!;
    expect(core.resources).toEqual(expect.arrayContaining(['pods', 'namespaces', 'serviceaccounts']));
    expect(core.verbs).toEqual(['get', 'list', 'watch']);
  });

  it('reads the Kubernetes setting from the environment too, and refuses a value that is not a yes or no', () => {
    expect(loadAgentSettings({ gateway: 'https://g.example', cluster: 'c1' }, { PALISADE_AGENT_KUBERNETES: 'true' }).kubernetes).toEqual({});
    expect(loadAgentSettings({ gateway: 'https://g.example', cluster: 'c1' }, { PALISADE_AGENT_KUBERNETES: 'false' }).kubernetes).toBeUndefined();
    expect(() => loadAgentSettings({ gateway: 'https://g.example', cluster: 'c1' }, { PALISADE_AGENT_KUBERNETES: 'yes please' })).toThrow(/PALISADE_AGENT_KUBERNETES: must be true or false/);
  });

  it('names the node through a variable `agent run` reads', () => {
    const ds = byKind('DaemonSet') as unknown as { spec: { template: { spec: { containers: { env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] }[] } } } };
    const env = ds.spec.template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'PALISADE_AGENT_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    const dir = mkdtempSync(join(tmpdir(), 'palisade-ds-'));
    try {
      const file = join(dir, 'agent.yaml');
      writeFileSync(file, (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data['agent.yaml']!);
      expect(loadAgentSettings({ config: file }, { PALISADE_AGENT_NODE: 'ip-10-0-0-7.internal' }).node).toBe('ip-10-0-0-7.internal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
