import { z } from 'zod';
import { ClusterName, LastDrift, NodeName } from './agent.js';

// What the platform and its agents say to each other over NATS. These shapes are the contract
// rollouts build on: the platform writes a cluster's desired release, every agent of the cluster
// converges to it and writes its node's status, and whoever drives a change reads the statuses.

export const ReleaseHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a release hash (64 hex digits)');

/** A W3C traceparent: version 00, a trace id and a parent span id (neither all zeros), and flags. */
export const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
export const Traceparent = z.string().regex(TRACEPARENT, 'must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');

/** KV PALISADE_DESIRED, key `<cluster>`: the release every agent of the cluster must enforce. */
export const DesiredRelease = z
  .object({
    cluster: ClusterName,
    release: ReleaseHash,
    /** The cluster's stream version when it was set: it only grows, so an agent can tell a stale value from a newer one. */
    version: z.number().int().nonnegative(),
    setAt: z.iso.datetime(),
    /**
     * The trace of the change that set it, when tracing is on: the agent's apply joins the
     * rollout's trace. Absent otherwise (an agent older than this field refuses a value that has it).
     */
    trace: Traceparent.optional(),
  })
  .strict();
export type DesiredRelease = z.infer<typeof DesiredRelease>;

/**
 * KV PALISADE_RELEASES, key `<cluster>.<hash>`: how a release's content is stored for a cluster's
 * agents. The content (canonical JSON of `{revision, resources}`) is gzipped and cut into chunks
 * under `<cluster>.<hash>.<i>`, written before this head, so a head always has its chunks.
 */
export const ReleaseHead = z
  .object({
    release: ReleaseHash,
    encoding: z.literal('gzip'),
    chunks: z.number().int().min(1).max(1_000),
    /** Compressed bytes in all. */
    bytes: z.number().int().nonnegative(),
  })
  .strict();
export type ReleaseHead = z.infer<typeof ReleaseHead>;

/** What a node enforces. `drifted`: its ruleset was changed out of band (it is being restored). */
export const NodeEnforcement = z.enum(['applied', 'failed', 'drifted']);

/**
 * KV PALISADE_NODES, key `<cluster>.<node>`: a node's status, written by its agent after every
 * apply (the ack) and on drift. `release` is what the node enforces now; `attempted` is what it
 * last tried, which differs from `release` when that failed (the last good ruleset stays in force).
 */
export const NodeStatusReport = z
  .object({
    cluster: ClusterName,
    node: NodeName,
    state: NodeEnforcement,
    /** The release in force on the node (null: none yet). */
    release: ReleaseHash.nullable(),
    /** The release the last apply was for, and its outcome. */
    attempted: ReleaseHash.nullable(),
    /** Why the last apply failed, or what drift was found; null when the last apply succeeded. */
    error: z.string().max(4_000).nullable(),
    /** How long the last apply took, from seeing the desired release to the ruleset in force. */
    durationMs: z.number().nonnegative(),
    /** Endpoints the node enforces policy for. */
    endpoints: z.number().int().nonnegative(),
    dataplane: z.enum(['nftables', 'simulated']),
    agentVersion: z.string().max(64),
    /** The last out-of-band change found in the node's ruleset (and undone), if any. */
    lastDrift: LastDrift.nullable(),
    at: z.iso.datetime(),
  })
  .strict();
export type NodeStatusReport = z.infer<typeof NodeStatusReport>;

/** Kinds a node may report in its inventory: its endpoints and what gives them labels. */
export const INVENTORY_KINDS = ['WorkloadEndpoint', 'HostEndpoint', 'Pod', 'Namespace', 'ServiceAccount'] as const;

/** At most this many resources per node: a node with more endpoints than this is not a node. */
export const INVENTORY_MAX_RESOURCES = 5_000;

/**
 * KV PALISADE_INVENTORY, key `<cluster>.<node>`: the endpoints of one node (and the namespaces
 * and service accounts that label them), as Calico resources. Every agent of the cluster watches
 * the whole cluster's inventory to resolve selectors to addresses, as Felix does through Typha.
 */
export const NodeInventory = z
  .object({
    cluster: ClusterName,
    node: NodeName,
    at: z.iso.datetime(),
    resources: z.array(z.object({ kind: z.enum(INVENTORY_KINDS), metadata: z.object({ name: z.string() }).loose() }).loose()).max(INVENTORY_MAX_RESOURCES),
  })
  .strict();
export type NodeInventory = z.infer<typeof NodeInventory>;

/**
 * A node name as one KV key token: KV keys allow `[-_=./a-zA-Z0-9]` and split on dots, and node
 * names are DNS names (no `_`), so dots become `_` and back without ambiguity.
 */
export const nodeKeyToken = (node: string): string => node.replaceAll('.', '_');
export const nodeFromKeyToken = (token: string): string => token.replaceAll('_', '.');

/** What an agent sends the gateway to join its cluster (agents.join): the cluster's join token and its node's name. */
export const AgentJoinRequest = z.object({ token: z.string().min(1).max(200), node: NodeName }).strict();
export type AgentJoinRequest = z.infer<typeof AgentJoinRequest>;

/**
 * An agent's own credentials, issued once per join: where NATS is and, when the platform runs NATS
 * with decentralized auth, a user JWT and its nkey seed bound to this cluster and node (the seed
 * never leaves the agent's state directory afterwards). The inbox prefix is the only one its
 * permissions let it subscribe to.
 */
export const AgentCredentials = z
  .object({
    cluster: ClusterName,
    node: NodeName,
    servers: z.array(z.string().min(1).max(500)).min(1).max(16),
    jwt: z.string().max(16_384).optional(),
    seed: z.string().max(200).optional(),
    inboxPrefix: z.string().max(300).optional(),
    issuedAt: z.iso.datetime(),
  })
  .strict();
export type AgentCredentials = z.infer<typeof AgentCredentials>;
