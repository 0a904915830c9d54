export { subjects, subjectToken, decodeSubjectToken, SUBJECT_ROOT } from './subjects.js';
export { streams, type StreamDefinition } from './streams.js';
export { connectBus, type BusConnectOptions } from './connect.js';
export {
  ensureStream,
  publishJson,
  publishInOrder,
  streamTail,
  type OrderedMessage,
  type StreamTail,
  ensureDurableConsumer,
  consumeJson,
  type MessageSchema,
  type DurableConsumerOptions,
  type ConsumeOptions,
  type HandlerResult,
} from './jetstream.js';
