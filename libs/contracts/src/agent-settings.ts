import { z } from 'zod';
import { ClusterName, NodeName } from './agent.js';

/** "tcp:22", "udp:68", "sctp:9899" or "tcp:10.0.0.0/8:22", as Felix's failsafe ports are written. */
const FailsafePort = z
  .string()
  .regex(/^(tcp|udp|sctp):(?:(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}:)?\d{1,5}$/, 'must be protocol:port or protocol:cidr:port, e.g. tcp:22 or tcp:10.0.0.0/8:22')
  .refine((v) => Number(v.split(':').at(-1)) <= 65535, 'the port must be at most 65535');

/**
 * An agent's configuration file (/etc/palisade/agent.yaml): what `palisade agent install` writes
 * and `palisade agent run` reads. Unknown keys are refused so a misspelt setting is not ignored.
 */
export const AgentSettings = z
  .object({
    /** The gateway the agent joins through (its join token is exchanged there for its own credentials). */
    gateway: z.url({ protocol: /^https?$/ }),
    cluster: ClusterName,
    /** Default: the host's name. */
    node: NodeName.optional(),
    /** nftables: enforce in the kernel (root, CAP_NET_ADMIN); simulated: evaluate traffic with the engine only. */
    dataplane: z.enum(['nftables', 'simulated']).default('nftables'),
    /** A file holding the cluster's join token (shown once by `palisade cluster join-token`); read at the first start. */
    joinTokenFile: z.string().min(1).optional(),
    /** Where the agent keeps its credentials and last good ruleset. */
    stateDir: z.string().min(1).default('/var/lib/palisade-agent'),
    /** Never blocked, whatever the policy (default: Felix's failsafe ports); the agent's own path to the gateway and NATS always stays open too. */
    failsafe: z
      .object({ inbound: z.array(FailsafePort).max(64).optional(), outbound: z.array(FailsafePort).max(64).optional() })
      .strict()
      .default({}),
    heartbeatSeconds: z.number().int().min(1).max(300).default(10),
    /** This node's endpoints as YAML or JSON resources (WorkloadEndpoint, HostEndpoint, Pod, Namespace, ServiceAccount). */
    inventoryFile: z.string().min(1).optional(),
    /**
     * Read this node's pods (and their namespaces and service accounts) from the Kubernetes API and
     * keep the inventory current as pods come and go. Empty: in a pod, the in-cluster API server
     * and its ServiceAccount token and CA.
     */
    kubernetes: z
      .object({
        apiServer: z.url({ protocol: /^https?$/ }).optional(),
        tokenFile: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** NATS servers to use instead of those the gateway names (a node that reaches NATS by another address). */
    natsUrl: z.string().min(1).max(2_000).optional(),
    /** Report this node's interfaces as host endpoints: names, or "*" for all but loopback, with labels for policy to select them. */
    hostEndpoints: z
      .object({
        interfaces: z
          .array(z.string().regex(/^(\*|[A-Za-z0-9_.-]{1,15})$/, 'an interface name (1 to 15 letters, digits, "_", "." or "-") or *'))
          .min(1)
          .max(64),
        labels: z.record(z.string().max(317), z.string().max(63)).optional(),
      })
      .strict()
      .optional(),
    /** Simulated dataplane: the traffic to generate and decide (a traffic mix YAML file); none when unset. */
    trafficFile: z.string().min(1).optional(),
    /** Flow records are aggregated over this many seconds, then published. */
    flowIntervalSeconds: z.number().int().min(1).max(3_600).default(10),
    /** How often the ruleset is read back for out-of-band changes (0: never). */
    driftSeconds: z.number().int().min(0).max(3_600).default(10),
  })
  .strict();
export type AgentSettings = z.infer<typeof AgentSettings>;
export type AgentSettingsInput = z.input<typeof AgentSettings>;
