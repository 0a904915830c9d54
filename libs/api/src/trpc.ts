import { initTRPC, TRPCError } from '@trpc/server';
import type { AgentCredentials, AgentStatus, HealthReport, NodeInventory } from '@palisade/contracts';
import type { ChainAnchor, DbClient, HorizonNotifier } from '@palisade/event-store';
import { authorize, type Permission, type Principal } from './authz/roles.js';
import type { RolloutEnginePort } from './rollout-engine.js';
import { inputProblems, problemsOf, toApiError } from './errors.js';
import { badText } from './text.js';
import { gates, type Gate } from './limits/gate.js';

/**
 * What every procedure may use. The gateway builds it per request (the principal from the
 * bearer token); tests build it from a real test database.
 */
export interface ApiContext {
  requestId: string;
  /** Checks every dependency now; never throws (a failure is part of the report). */
  health: () => Promise<HealthReport>;
  /** The caller, when a valid token came with the request. */
  principal?: Principal;
  /** The event store (absent only in tests of procedures that do not need it). */
  db?: DbClient;
  /**
   * The process's committed-horizon notifier: live subscriptions wait on it and simulations read
   * through it, so a thousand readers cost one horizon query per commit.
   */
  horizon?: HorizonNotifier;
  /** Called after a token is revoked, so a gateway forgets what it cached about tokens. */
  tokensChanged?: () => void;
  /** The newest chain anchor kept outside PostgreSQL (JetStream), which verification checks the log against. */
  anchor?: () => Promise<ChainAnchor | undefined>;
  /** Agents as last heard from (the gateway listens to their heartbeats). */
  agents?: () => AgentStatus[];
  /** Issues joining agents their NATS credentials and pushes revocations to NATS (the gateway's issuer). */
  agentIssuer?: AgentIssuerPort;
  /** A cluster's inventory as its agents reported it (the gateway reads JetStream KV). */
  inventory?: (cluster: string) => Promise<NodeInventory[]>;
  /** Runs rollouts on Temporal (the gateway's client to the rollout workflows). */
  rollouts?: RolloutEnginePort;
  /**
   * The traceparent of this request's span, when tracing is on: a change the request makes to
   * what agents run records it, so the agents' work joins the request's trace and the audit
   * record leads to it.
   */
  trace?: string;
}

export interface AgentIssuerPort {
  issue(cluster: string, node: string): Promise<{ credentials: AgentCredentials; userKey: string }>;
  publishRevocations(revoked: Record<string, number>): Promise<void>;
}

const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    // Internal errors keep their message out of responses; the gateway logs them with the request id.
    const hideMessage = error.code === 'INTERNAL_SERVER_ERROR';
    // Located validation problems travel as data, so clients can show every one with its line.
    const problems = problemsOf(error.cause);
    const message = hideMessage ? 'internal error' : (inputProblems(error.cause) ?? shape.message);
    return { ...shape, message, data: { ...shape.data, stack: undefined, ...(problems ? { problems } : {}) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure's store and domain errors become API errors here, once: procedures throw the
 * typed errors and never map them themselves. (tRPC hands a thrown error to this middleware as
 * an internal error whose cause is what was thrown.)
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const mapped = toApiError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

/** Text the database cannot store is refused before any procedure sees it. */
const storableText = t.middleware(async ({ getRawInput, next }) => {
  const bad = badText(await getRawInput());
  if (bad) throw new TRPCError({ code: 'BAD_REQUEST', message: `invalid request: ${bad.path}: ${bad.problem}` });
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(storableText);

/** Every procedure but health needs a valid token, and a database. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid API token is required: send it as "Authorization: Bearer pal_..."' });
  if (!ctx.db) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'no event store in the context' });
  return next({ ctx: { ...ctx, principal: ctx.principal, db: ctx.db } });
});

/** A procedure that needs one permission (checked before its input is even looked at). */
export const requiring = (permission: Permission) =>
  authedProcedure.use(({ ctx, next }) => {
    const decision = authorize(ctx.principal, permission);
    if (!decision.allowed) throw new TRPCError({ code: 'FORBIDDEN', message: decision.reason });
    return next();
  });

/** An expensive read: it waits for a place in its gate, so a flood of them cannot starve writes of connections. */
export const gated = (gate: Gate, procedure = authedProcedure) => procedure.use(({ next }) => gate.run(() => next()));

/** Reads that cost far more than one request's work. */
export const heavyProcedure = gated(gates.heavy);
