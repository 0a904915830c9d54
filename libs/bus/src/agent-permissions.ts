import { nodeKeyToken } from '@palisade/contracts';
import { buckets, kvKeys } from './kv.js';
import { subjects } from './subjects.js';

export interface AgentPermissions {
  pub: { allow: string[] };
  sub: { allow: string[] };
}

/** The reply-subject prefix an agent must use: the only one it may subscribe under. */
export const agentInboxPrefix = (cluster: string, node: string) => `_INBOX_${cluster}_${nodeKeyToken(node)}`;

const streamOf = (bucket: string) => `KV_${bucket}`;
const kvSubject = (bucket: string, key: string) => `$KV.${bucket}.${key}`;

/**
 * What nats-server lets one node's agent do, and nothing more: read its own cluster's desired
 * release, release content and inventory (ordered consumers filtered to the cluster's keys, and
 * direct gets of them), write its own node's status, inventory, heartbeat and flow logs. Another
 * cluster's keys, another node's keys and every platform subject (events, anchors) are refused
 * by the server itself, whatever the agent's code does.
 */
export function agentPermissions(cluster: string, node: string): AgentPermissions {
  const watch = (bucket: string, filter: string) => [
    `$JS.API.CONSUMER.CREATE.${streamOf(bucket)}.*.${kvSubject(bucket, filter)}`,
    `$JS.API.CONSUMER.DELETE.${streamOf(bucket)}.*`,
    `$JS.API.CONSUMER.INFO.${streamOf(bucket)}.*`,
    `$JS.FC.${streamOf(bucket)}.>`,
  ];
  const get = (bucket: string, key: string) => `$JS.API.DIRECT.GET.${streamOf(bucket)}.${kvSubject(bucket, key)}`;
  return {
    pub: {
      allow: [
        // Binding a bucket reads its configuration (not its data).
        ...Object.values(buckets).map((b) => `$JS.API.STREAM.INFO.${streamOf(b)}`),
        ...watch(buckets.desired, kvKeys.desired(cluster)),
        get(buckets.desired, kvKeys.desired(cluster)),
        get(buckets.releases, kvKeys.clusterReleases(cluster)),
        ...watch(buckets.inventory, kvKeys.clusterNodes(cluster)),
        get(buckets.inventory, kvKeys.clusterNodes(cluster)),
        kvSubject(buckets.inventory, kvKeys.node(cluster, node)),
        kvSubject(buckets.nodes, kvKeys.node(cluster, node)),
        subjects.agentHeartbeat(cluster, node),
        subjects.agentFlows(cluster, node),
      ],
    },
    sub: { allow: [`${agentInboxPrefix(cluster, node)}.>`] },
  };
}
