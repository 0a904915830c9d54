// The transactional outbox: the event log's final events, published to NATS JetStream in position
// order. It sits between @palisade/event-store and @palisade/bus so that neither knows the other.
export { runRelay, eventMessage, RELAY_CHECKPOINT, POSITION_HEADER, type RelayOptions } from './relay.js';
