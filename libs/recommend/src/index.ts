export { recommend, type RecommendInput, type Recommendation, type RecommendedPolicy, type RecommendedRule } from './recommend.js';
export { promoted, PromoteError } from './promote.js';
export { workloadLabels, isStableLabel, selectorFor } from './stable-labels.js';
export type { ObservedFlow } from './conversations.js';
export { serviceGraph, type GraphNode, type GraphEdge, type RawEdge } from './graph.js';
