// The gateway benchmark's load generator, a child process of bench/run.ts so that the client's
// own work (building requests, fetch, parsing answers) does not run on the gateway's event loop.
// Closed loop: `concurrency` requests in flight, each slot sending its next request as soon as the
// previous one is answered, for a warm-up and then a measured period. node:http with a keep-alive
// agent (fetch costs this 2-core machine about twice the CPU per request), the
// tRPC HTTP wire format without batching: a query is GET /trpc/<proc>?input=<JSON>, a mutation
// POST /trpc/<proc> with the input as its JSON body. Only a 200 whose body is what the operation
// expects counts as a success; everything else is an error, counted and sampled.
import { Agent, request as httpRequest } from 'node:http';
import { APPLY_TARGETS, BATCH_PROBES, applyTarget, mulberry32, probe, seededKeys } from './workload.js';

export type Operation = 'get' | 'apply' | 'simulate' | 'simulateBatch';

export interface RunSpec {
  op: Operation;
  url: string;
  token: string;
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadResult {
  op: Operation;
  /** Requests answered during the measured period (successes and errors). */
  requests: number;
  errors: number;
  /** Errors by kind ("HTTP 429", "not applied", "network: ..."), and a few bodies to see why. */
  errorKinds: Record<string, number>;
  errorSamples: string[];
  /** From the start of the measured period until its last request was answered. */
  seconds: number;
  /** Latencies of the successful requests, in ms. */
  latenciesMs: number[];
  /** Largest request URL or body sent, in bytes. */
  largestRequestBytes: number;
  warmupRequests: number;
  /** CPU the load process used over the warm-up and measurement, in cores (1 = one core busy throughout). */
  cpuCores: number;
}

interface Request {
  path: string;
  method: 'GET' | 'POST';
  body?: string;
  /** Whether the answer's data is what this request should get. */
  check: (data: unknown) => string | undefined;
}

const query = (proc: string, input: unknown) => `/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`;
const random = mulberry32(42);
const keys = seededKeys();
/** Strictly increasing: every apply carries content its policy has never had. */
let revision = 0;

/** The next request of an operation for worker slot `slot` (applies: each slot owns its policies, so no two writers race for one). */
function nextRequest(op: Operation, slot: number, concurrency: number, round: number): Request {
  switch (op) {
    case 'get': {
      const key = keys[Math.floor(random() * keys.length)]!;
      return { path: query('resources.get', { key }), method: 'GET', check: (d) => ((d as { key?: string }).key === key ? undefined : 'wrong key') };
    }
    case 'apply': {
      const owned = Math.ceil((APPLY_TARGETS - slot) / concurrency);
      const target = slot + (round % owned) * concurrency;
      const body = JSON.stringify({ resources: [applyTarget(target, ++revision)], reason: 'gateway benchmark' });
      return {
        path: '/trpc/resources.put',
        method: 'POST',
        body,
        check: (d) => {
          const op = (d as { changes?: { op?: string }[] }).changes?.[0]?.op;
          return op === 'applied' ? undefined : `not applied (${op ?? 'no change reported'})`;
        },
      };
    }
    case 'simulate':
    case 'simulateBatch': {
      const n = op === 'simulate' ? 1 : BATCH_PROBES;
      const probes = Array.from({ length: n }, () => probe(random));
      return { path: query('policy.simulate', { probes }), method: 'GET', check: (d) => ((d as { results?: unknown[] }).results?.length === n ? undefined : `expected ${n} results`) };
    }
  }
}

const agents = new Map<number, Agent>();

/** One request on a kept-alive connection; resolves with the status and the whole body. */
function send(url: URL, method: string, path: string, headers: Record<string, string>, body: string | undefined, sockets: number): Promise<{ status: number; text: string }> {
  let agent = agents.get(sockets);
  if (!agent) agents.set(sockets, (agent = new Agent({ keepAlive: true, maxSockets: sockets })));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, agent, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function phase(spec: RunSpec, seconds: number, record: boolean, result: LoadResult): Promise<{ requests: number; seconds: number }> {
  const headers = { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' };
  const url = new URL(spec.url);
  const start = performance.now();
  const end = start + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async (_, slot) => {
      for (let round = 0; performance.now() < end; round++) {
        const req = nextRequest(spec.op, slot, spec.concurrency, round);
        result.largestRequestBytes = Math.max(result.largestRequestBytes, req.body ? Buffer.byteLength(req.body) : req.path.length);
        const sent = performance.now();
        let failure: string | undefined;
        let sample: string | undefined;
        try {
          const res = await send(url, req.method, req.path, headers, req.body, spec.concurrency);
          const text = res.text;
          if (res.status !== 200) {
            failure = `HTTP ${res.status}`;
            sample = text;
          } else {
            const data = (JSON.parse(text) as { result?: { data?: unknown } }).result?.data;
            failure = data === undefined ? 'no result data' : req.check(data);
            if (failure) sample = text;
          }
        } catch (error) {
          failure = `network: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`;
        }
        const ms = performance.now() - sent;
        requests++;
        if (!record) continue;
        if (failure) {
          result.errors++;
          result.errorKinds[failure] = (result.errorKinds[failure] ?? 0) + 1;
          if (result.errorSamples.length < 5) result.errorSamples.push(`${failure}: ${(sample ?? '').slice(0, 300)}`);
        } else {
          result.latenciesMs.push(ms);
        }
      }
    }),
  );
  return { requests, seconds: (performance.now() - start) / 1000 };
}

export async function runLoad(spec: RunSpec): Promise<LoadResult> {
  const result: LoadResult = { op: spec.op, requests: 0, errors: 0, errorKinds: {}, errorSamples: [], seconds: 0, latenciesMs: [], largestRequestBytes: 0, warmupRequests: 0, cpuCores: 0 };
  const cpu = process.cpuUsage();
  const start = performance.now();
  if (spec.warmupSeconds > 0) result.warmupRequests = (await phase(spec, spec.warmupSeconds, false, result)).requests;
  const measured = await phase(spec, spec.seconds, true, result);
  result.requests = measured.requests;
  result.seconds = measured.seconds;
  const used = process.cpuUsage(cpu);
  result.cpuCores = (used.user + used.system) / 1000 / (performance.now() - start);
  return result;
}

// As a child process: run what the parent asks, one operation at a time, and answer with the figures.
if (process.send) {
  process.on('message', (message: { type: 'run'; spec: RunSpec } | { type: 'exit' }) => {
    if (message.type === 'exit') {
      process.disconnect();
      return;
    }
    runLoad(message.spec).then(
      (result) => process.send!({ type: 'result', result }),
      (error: unknown) => process.send!({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.send({ type: 'ready' });
}
