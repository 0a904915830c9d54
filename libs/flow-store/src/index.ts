export { insertFlows, dropExpiredFlows } from './write.js';
export { queryFlows, flowsAfter, newestFlowsAfter, flowCursorNow, aggregateFlows, topFlows, FlowFilter, type FlowCursor, type FlowBucket, type TopEntry } from './query.js';
export { windowTraffic, type WindowTraffic } from './window.js';
export { distinctFlows, flowEdges, type DistinctFlow, type DistinctFlowFilter, type FlowEdge } from './distinct.js';
