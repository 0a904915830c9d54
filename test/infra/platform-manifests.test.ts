// infra/kubernetes (kustomize) and infra/compose: every manifest parses, carries the fields its kind
// needs, and agrees with the code it deploys (images, ports, the environment each service reads),
// and no secret is written into any of them. Rendered with `kubectl kustomize` too where kubectl is.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { serviceEnvShape } from '@palisade/contracts';
import { root } from '../support/cli.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { port: string | number } };
  livenessProbe?: { httpGet?: { port: string | number } };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { name: string; port: number; targetPort: string | number }[];
    template?: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } } };
  };
}

const dir = join(root, 'infra', 'kubernetes');
const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; images: { name: string; newName: string; newTag: string }[] };
const docs: Doc[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return d.toJS() as Doc;
  }),
);
const workloads = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
const containerOf = (name: string) => workloads.find((w) => w.metadata.name === name)!.spec!.template!.spec.containers[0]!;
const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'palisade-config')!;
// The variables each service reads: the shared shape, and the gateway's own from its config.
const shared = Object.keys(serviceEnvShape);
const gatewayOwn = [...readFileSync(join(root, 'apps', 'gateway', 'src', 'config.ts'), 'utf8').matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
const workerOwn = [...new Set([...readFileSync(join(root, 'apps', 'worker', 'src', 'main.ts'), 'utf8').matchAll(/\b(WORKER_[A-Z_]+)\b/g)].map((m) => m[1]!))];
const SECRETISH = /KEY|PASSWORD|TOKEN|SECRET|^DATABASE_(MIGRATION_)?URL$|^NATS_URL$/;
const readme = readFileSync(join(dir, 'README.md'), 'utf8');

describe('the Kubernetes manifests (kustomize)', () => {
  it('parse, each with its apiVersion, kind and name, every resource file listed existing', () => {
    for (const file of kustomization.resources) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(docs.length).toBeGreaterThan(10);
    for (const d of docs) expect([d.apiVersion, d.kind, d.metadata?.name].every(Boolean), JSON.stringify(d).slice(0, 200)).toBe(true);
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['nats', 'palisade-console', 'palisade-gateway', 'palisade-worker']);
  });

  it('renders with kubectl kustomize where kubectl is, to the same objects', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.error) {
      console.log('kubectl is not installed here: the manifests were checked as parsed above, not rendered');
      return;
    }
    const rendered = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS() as Doc & { metadata: { namespace?: string } });
    expect(rendered.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort());
    for (const d of rendered.filter((r) => r.kind !== 'Namespace')) expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe('palisade');
    const images = rendered.flatMap((d) => (d as Doc).spec?.template?.spec.containers.map((c) => c.image) ?? []);
    expect(images.filter((i) => i.startsWith(kustomization.images[0]!.newName))).toHaveLength(3);
  });

  it('runs one pinned image for the platform, and pins every other', () => {
    for (const w of workloads)
      for (const c of w.spec!.template!.spec.containers) {
        if (c.image === 'palisade') continue;
        expect(c.image, `${w.metadata.name}/${c.name}`).toMatch(/^[a-z0-9./-]+:[0-9][\w.-]*$/);
      }
    expect(['palisade-gateway', 'palisade-worker', 'palisade-console'].map((n) => containerOf(n).image)).toEqual(['palisade', 'palisade', 'palisade']);
    expect(kustomization.images).toEqual([{ name: 'palisade', newName: expect.any(String), newTag: expect.stringMatching(/^\d+\.\d+\.\d+$/) }]);
  });

  it('points each command at a file the build makes', () => {
    expect(containerOf('palisade-gateway').args).toEqual(['node', 'apps/gateway/dist/main.js']);
    expect(containerOf('palisade-worker').args).toEqual(['node', 'apps/worker/dist/main.js']);
    expect(containerOf('palisade-console').args!.slice(0, 4)).toEqual(['node', 'node_modules/next/dist/bin/next', 'start', 'apps/console']);
  });

  it('wires services to ports the containers open, selectors to the labels pods carry, probes to named ports', () => {
    for (const w of workloads) {
      expect(w.spec!.template!.metadata.labels).toMatchObject(w.spec!.selector!.matchLabels!);
      const c = w.spec!.template!.spec.containers[0]!;
      const names = (c.ports ?? []).map((p) => p.name);
      for (const probe of [c.readinessProbe, c.livenessProbe]) if (probe?.httpGet) expect(names, `${w.metadata.name} probe`).toContain(probe.httpGet.port);
    }
    for (const svc of docs.filter((d) => d.kind === 'Service')) {
      const target = workloads.find((w) => Object.entries(svc.spec!.selector as Record<string, string>).every(([k, v]) => w.spec!.template!.metadata.labels[k] === v));
      expect(target, `Service ${svc.metadata.name} selects a workload`).toBeDefined();
      const ports = target!.spec!.template!.spec.containers[0]!.ports!.map((p) => p.name);
      for (const p of svc.spec!.ports!) expect(ports, `Service ${svc.metadata.name}`).toContain(p.targetPort);
    }
    // The gateway listens where its GATEWAY_PORT says, and the console where its start says.
    const gateway = containerOf('palisade-gateway');
    expect(String(gateway.ports![0]!.containerPort)).toBe(gateway.env!.find((e) => e.name === 'GATEWAY_PORT')!.value);
    const consoleArgs = containerOf('palisade-console').args!;
    expect(String(containerOf('palisade-console').ports![0]!.containerPort)).toBe(consoleArgs[consoleArgs.indexOf('-p') + 1]);
  });

  it('sets only variables the services read, and every secret from a Secret the README explains', () => {
    const variables = (c: Container) => [...(c.env ?? []).map((e) => e.name), ...(c.envFrom?.some((f) => f.configMapRef?.name === 'palisade-config') ? Object.keys(configMap.data!) : [])];
    for (const v of variables(containerOf('palisade-gateway'))) expect([...shared, ...gatewayOwn], `gateway ${v}`).toContain(v);
    for (const v of variables(containerOf('palisade-worker'))) expect([...shared, ...workerOwn, 'AGENT_NATS_URL'], `worker ${v}`).toContain(v);
    expect(workerOwn.sort()).toEqual(['WORKER_METRICS_HOST', 'WORKER_METRICS_PORT']);
    expect(variables(containerOf('palisade-worker'))).not.toContain('DATABASE_URL');
    for (const w of workloads)
      for (const c of w.spec!.template!.spec.containers)
        for (const e of c.env ?? []) {
          if (SECRETISH.test(e.name)) expect(e.valueFrom?.secretKeyRef, `${w.metadata.name} ${e.name} comes from a Secret`).toBeDefined();
          if (e.valueFrom?.secretKeyRef) expect(readme, `README explains Secret ${e.valueFrom.secretKeyRef.name}`).toContain(e.valueFrom.secretKeyRef.name);
        }
    for (const [k, v] of Object.entries(configMap.data!)) expect(/:\/\/[^/@]+@/.test(v), `palisade-config ${k} holds no credential`).toBe(false);
  });

  it('runs nothing as root or with privileges', () => {
    for (const w of workloads) {
      expect(w.spec!.template!.spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of w.spec!.template!.spec.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('replicates JetStream across the hub: as many copies as servers, and the routes name each', () => {
    const nats = workloads.find((w) => w.metadata.name === 'nats')!;
    const conf = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'nats-config')!.data!['nats.conf']!;
    const routes = [...conf.matchAll(/nats:\/\/(nats-\d+)\.nats-cluster/g)].map((m) => m[1]);
    expect(routes).toEqual(Array.from({ length: nats.spec!.replicas! }, (_, i) => `nats-${i}`));
    expect(containerOf('palisade-gateway').env!.find((e) => e.name === 'NATS_STREAM_REPLICAS')?.value).toBe(String(nats.spec!.replicas));
    expect(conf).toContain('include ./auth/operator.conf');
    expect(conf).toMatch(/leafnodes \{\s*port: 7422/);
  });
});

describe('the single-host compose file', () => {
  const composeDir = join(root, 'infra', 'compose');
  const text = readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8');
  const compose = parse(text) as { services: Record<string, { image: string; command?: string[]; environment?: Record<string, string>; ports?: string[] }> };
  const example = readFileSync(join(composeDir, '.env.example'), 'utf8');

  it('pins every image and runs the platform from the one image', () => {
    for (const [name, s] of Object.entries(compose.services)) expect(s.image, name).toMatch(/^(\$\{PALISADE_IMAGE:-[^}]+:\d[\w.-]*\}|[a-z0-9./-]+:\d[\w.-]*)$/);
    expect(['gateway', 'worker', 'console'].map((n) => compose.services[n]!.image.startsWith('${PALISADE_IMAGE'))).toEqual([true, true, true]);
    expect(compose.services['gateway']!.command).toEqual(containerOf('palisade-gateway').args);
    expect(compose.services['worker']!.command).toEqual(containerOf('palisade-worker').args);
  });

  it('publishes the ports the services listen on', () => {
    expect(compose.services['gateway']!.ports).toEqual([`${compose.services['gateway']!.environment!['GATEWAY_PORT']}:${compose.services['gateway']!.environment!['GATEWAY_PORT']}`]);
    const args = compose.services['console']!.command!;
    expect(compose.services['console']!.ports).toEqual([`${args[args.indexOf('-p') + 1]}:${args[args.indexOf('-p') + 1]}`]);
  });

  it('takes every secret from .env, and .env.example names every variable it uses', () => {
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!));
    for (const v of used) expect(example, `.env.example names ${v}`).toMatch(new RegExp(`^#? ?${v}=`, 'm'));
    for (const [name, s] of Object.entries(compose.services))
      for (const [k, v] of Object.entries(s.environment ?? {})) if (SECRETISH.test(k) || /:\/\/[^/@$]+:[^@$]+@/.test(v)) expect(v, `${name} ${k}`).toMatch(/\$\{/);
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toMatch(/^infra\/compose\/\.env$/m);
  });
});
