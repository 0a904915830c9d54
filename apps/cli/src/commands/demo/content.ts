/**
 * What `palisade up` seeds on a first start: a microservice shop across three clusters, the
 * Calico policy guide's examples written for it as the first release, a plan that rolls it out
 * in waves, and the traffic the simulated agents generate. Labels are the guide's (color, role,
 * shape) beside the usual `app`, so its examples read as written.
 */

/** The clusters, labelled by environment and region: the plan's waves pick them by label. */
export const DEMO_CLUSTERS = [
  { name: 'staging', labels: { env: 'staging', region: 'eu' } },
  { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
  { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
] as const;

/** Nodes per cluster, and pods per node: one of each of the shop's seven workloads. */
export const DEMO_NODES = 2;
export const DEMO_PODS_PER_NODE = 7;

/**
 * The guide's examples, as the shop uses them. The web namespace is a circle and production a
 * square; frontend, api and orders are blue, the cache is red, the database has role database.
 */
export const DEMO_POLICIES = `# Only blue workloads of production reach the (red) cache, on 6379. (Guide: "Control traffic to/from endpoints in a namespace".)
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: color == 'red'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: color == 'blue'
    destination:
      ports:
      - 6379
---
# Blue workloads of circle namespaces (the web frontend) are refused by red ones everywhere. (Guide: namespaceSelector in a GlobalNetworkPolicy.)
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-circle-blue
spec:
  selector: color == 'red'
  ingress:
  - action: Deny
    protocol: TCP
    source:
      selector: color == 'blue'
      namespaceSelector: shape == 'circle'
---
# The cache may not send to 1.2.3.0/24. (Guide: "Control traffic to/from endpoints using IP addresses or CIDR ranges";
# the guide writes 1.2.3.4/24, which Calico's validation refuses: it has host bits set.)
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-egress-external
  namespace: production
spec:
  selector: color == 'red'
  types:
  - Egress
  egress:
  - action: Deny
    destination:
      nets:
      - 1.2.3.0/24
---
# The database: the frontend's attempts are logged and denied; orders and payments reach it on 5432. (Guide: "Generate logs for specific traffic".)
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: database-ingress
  namespace: production
spec:
  selector: role == 'database'
  types:
  - Ingress
  ingress:
  - action: Log
    protocol: TCP
    source:
      selector: role == 'frontend'
      namespaceSelector: shape == 'circle'
  - action: Deny
    protocol: TCP
    source:
      selector: role == 'frontend'
      namespaceSelector: shape == 'circle'
  - action: Allow
    protocol: TCP
    source:
      selector: app in {'orders', 'payments'}
    destination:
      ports:
      - 5432
---
# The api takes calls from the web namespace on 8080 and from its own namespace.
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-ingress
  namespace: production
spec:
  selector: app == 'api'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      namespaceSelector: shape == 'circle'
    destination:
      ports:
      - 8080
  - action: Allow
    source:
      namespaceSelector: shape == 'square'
---
# The frontend takes traffic from inside the clusters' networks first, then nothing else. (Guide: "Apply network policies in specific order".)
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-cluster-internal-ingress
spec:
  order: 10
  selector: role == 'frontend'
  ingress:
  - action: Allow
    source:
      nets:
      - 10.0.0.0/8
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: drop-other-ingress
spec:
  order: 20
  selector: role == 'frontend'
  ingress:
  - action: Deny
`;

/**
 * The first release goes out in two waves: staging, then the prod clusters one at a time. It is
 * the first enforcement, meant to deny what the shop should never do (the frontend at the
 * database and the cache, the api at the database), so its traffic gate tolerates those.
 */
export const DEMO_PLAN = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: demo-waves}
spec:
  waves:
    - name: canary
      clusterSelector: env == 'staging'
      soakTime: 20s
      gates: {baselineWindow: 1m, newlyDeniedFlows: 10, denyRateIncreasePercent: 60}
    - name: prod
      clusterSelector: env == 'prod'
      maxConcurrentClusters: 1
      soakTime: 10s
      gates: {baselineWindow: 1m, newlyDeniedFlows: 10, denyRateIncreasePercent: 60}
`;

/** The shop's traffic: what it should do, and three things it should not (denied once the policies are in force). */
export const DEMO_TRAFFIC = `flows:
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 2, bytes: 6000}
- {from: "app == 'api'", to: "app == 'orders'", protocol: TCP, port: 8080, perSecond: 1}
- {from: "app == 'api'", to: "app == 'payments'", protocol: TCP, port: 8080, perSecond: 0.5}
- {from: "app == 'orders'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 1, bytes: 9000}
- {from: "app == 'payments'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 0.5}
- {from: "app == 'api'", to: "app == 'cache'", protocol: TCP, port: 6379, perSecond: 2, bytes: 800}
- {from: "app == 'orders'", to: "app == 'cache'", protocol: TCP, port: 6379, perSecond: 1, bytes: 800}
- {from: "has(app) && app != 'cache'", to: "k8s-app == 'kube-dns'", protocol: UDP, port: 53, perSecond: 1, bytes: 200, packets: 2}
- {from: "app == 'frontend'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 0.2}
- {from: "app == 'frontend'", to: "app == 'cache'", protocol: TCP, port: 6379, perSecond: 0.2}
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 0.1}
`;
