export { appRouter, createCaller, type AppRouter } from './router.js';
export type { ApiContext } from './trpc.js';
