export { insertFlows, dropExpiredFlows } from './write.js';
export { queryFlows, flowsAfter, aggregateFlows, FlowFilter, type FlowCursor, type FlowBucket } from './query.js';
export { windowTraffic, type WindowTraffic } from './window.js';
