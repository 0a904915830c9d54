export { insertFlows, dropExpiredFlows } from './write.js';
export { queryFlows, FlowFilter } from './query.js';
