import { z } from 'zod';
import { ClusterName, NodeName } from './agent.js';

/** One side of a flow, as Calico's flow logs describe it: the endpoint when known, else the address. */
export const FlowEndpoint = z
  .object({
    namespace: z.string().max(253).nullable(),
    /** The endpoint's name (pod or host endpoint), or null for an address no endpoint owns. */
    name: z.string().max(253).nullable(),
    labels: z.record(z.string().max(317), z.string().max(63)),
    ip: z.string().max(45).nullable(),
  })
  .strict();
export type FlowEndpoint = z.infer<typeof FlowEndpoint>;

export const FlowAction = z.enum(['Allow', 'Deny']);

/**
 * One aggregated flow record: the traffic between two endpoints on one destination port, with one
 * verdict by one policy rule, over one interval, as one node saw it. The policy is
 * "tier/policy/rule", the policy with its kind (e.g. "default/NetworkPolicy/demo/api-ingress/0"), or what else decided
 * ("security/end-of-tier", "__PROFILE__/kns.demo/0", "failsafe/tcp:22").
 */
export const FlowRecord = z
  .object({
    /** Unique per (cluster, node, interval, key): ingest drops a record it already holds. */
    id: z.string().regex(/^[0-9a-f]{32}$/),
    cluster: ClusterName,
    node: NodeName,
    /** src: seen leaving the source endpoint (egress); dst: seen arriving at the destination (ingress). */
    reporter: z.enum(['src', 'dst']),
    startTime: z.iso.datetime(),
    endTime: z.iso.datetime(),
    source: FlowEndpoint,
    destination: FlowEndpoint,
    protocol: z.string().max(16),
    port: z.number().int().min(0).max(65535).nullable(),
    action: FlowAction,
    policy: z.string().max(600),
    packets: z.number().int().min(0),
    bytes: z.number().int().min(0),
    connectionsStarted: z.number().int().min(0),
    connectionsCompleted: z.number().int().min(0),
  })
  .strict();
export type FlowRecord = z.infer<typeof FlowRecord>;

/** At most this many records per published batch (a batch stays well under NATS's max payload). */
export const FLOW_BATCH_MAX_RECORDS = 2_000;

/** What an agent publishes every interval on palisade.flows.<cluster>.<node>. */
export const FlowBatch = z
  .object({
    cluster: ClusterName,
    node: NodeName,
    records: z.array(FlowRecord).max(FLOW_BATCH_MAX_RECORDS),
  })
  .strict();
export type FlowBatch = z.infer<typeof FlowBatch>;
