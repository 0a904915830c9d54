// The transactional outbox: the event log's final events, published to NATS JetStream in position
// order. It sits between @palisade/event-store and @palisade/bus so that neither knows the other.
export { runRelay, type RelayOptions } from './relay.js';
export { eventMessage, POSITION_HEADER } from './message.js';
export { RELAY_CHECKPOINT } from './reconcile.js';
export { newRelayStatus, type RelayStatus } from './status.js';
export { runAnchors, latestAnchor, type AnchorOptions } from './anchor.js';
export { desiredStatePublisher, type DesiredPublisherStatus } from './desired.js';
