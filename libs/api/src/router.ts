import { healthRouter } from './routers/health.js';
import { auditRouter } from './routers/audit.js';
import { resourcesRouter } from './routers/resources.js';
import { tokensRouter } from './routers/tokens.js';
import { policyRouter } from './routers/policy.js';
import { releasesRouter } from './routers/releases.js';
import { agentsRouter, clustersRouter } from './routers/clusters.js';
import { eventsRouter } from './routers/events.js';
import { flowsRouter } from './routers/flows.js';
import { rolloutsRouter } from './routers/rollouts.js';
import { boardRouter } from './routers/board.js';
import { recommendRouter } from './routers/recommend.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  health: healthRouter,
  resources: resourcesRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  policy: policyRouter,
  releases: releasesRouter,
  clusters: clustersRouter,
  agents: agentsRouter,
  events: eventsRouter,
  flows: flowsRouter,
  rollouts: rolloutsRouter,
  board: boardRouter,
  recommend: recommendRouter,
});

/** The router's type: the console and the CLI import this (types only) for end-to-end typing. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
