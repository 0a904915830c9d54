import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where the API server is and how to authenticate: in a pod, what Kubernetes mounts for its ServiceAccount. */
export interface KubernetesAccess {
  apiServer: string;
  /** Re-read on every request: projected ServiceAccount tokens are rotated. */
  tokenFile?: string;
  caFile?: string;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster defaults: KUBERNETES_SERVICE_HOST/PORT and the pod's ServiceAccount token and CA. */
export function inClusterAccess(env: Record<string, string | undefined> = process.env): KubernetesAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  if (!host) return undefined;
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  return { apiServer: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, tokenFile: `${SERVICE_ACCOUNT}/token`, caFile: `${SERVICE_ACCOUNT}/ca.crt` };
}

/** A failed call to the API server, with its HTTP status (0 when it was not reached). */
export class KubernetesApiError extends Error {
  override readonly name = 'KubernetesApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The largest list or watch event the agent will read (a node's pods are far smaller). */
const MAX_BODY = 64 * 1024 * 1024;

export class KubernetesApi {
  constructor(private readonly access: KubernetesAccess) {}

  /** GET a JSON document. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.open(path, signal);
    let body = '';
    for await (const chunk of response) {
      body += String(chunk);
      if (body.length > MAX_BODY) throw new KubernetesApiError(`${path}: the response is larger than ${MAX_BODY} bytes`, response.statusCode ?? 0);
    }
    return JSON.parse(body) as T;
  }

  /** A watch: calls `onLine` with each newline-delimited event until the server ends the stream. */
  async stream(path: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const response = await this.open(path, signal);
    let partial = '';
    for await (const chunk of response) {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_BODY) throw new KubernetesApiError(`${path}: a watch event is larger than ${MAX_BODY} bytes`, 200);
      for (const line of lines) if (line.trim()) onLine(line);
    }
  }

  private open(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.access.apiServer);
    const headers: Record<string, string> = { accept: 'application/json' };
    let ca: Buffer | undefined;
    try {
      if (this.access.tokenFile) headers['authorization'] = `Bearer ${readFileSync(this.access.tokenFile, 'utf8').trim()}`;
      if (this.access.caFile) ca = readFileSync(this.access.caFile);
    } catch (error) {
      return Promise.reject(new KubernetesApiError(`cannot read the ServiceAccount credentials: ${(error as Error).message}`, 0));
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers, ...(ca ? { ca } : {}), ...(signal ? { signal } : {}) }, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          response.setEncoding('utf8');
          resolve(response);
          return;
        }
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (d: string) => (body.length < 4_000 ? (body += d) : undefined));
        response.on('end', () => reject(new KubernetesApiError(`GET ${url.pathname}: HTTP ${status}${statusMessage(body)}`, status)));
      });
      req.on('error', (error) => reject(new KubernetesApiError(`GET ${url.pathname}: ${error.message}`, 0)));
      req.end();
    });
  }
}

function statusMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' ? `: ${message.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
