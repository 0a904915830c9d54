export { subjects, subjectToken, decodeSubjectToken, SUBJECT_ROOT } from './subjects.js';
export { streams, type StreamDefinition } from './streams.js';
export { setStreamReplicas, streamReplicas } from './replicas.js';
export { connectBus, type BusConnectOptions } from './connect.js';
export { ensureStream, publishInOrder, streamTail, deleteStreamMessage, type OrderedMessage, type StreamTail } from './jetstream.js';
export { buckets, kvKeys, ensureBucket, ensureBuckets, openBucket, RELEASE_CHUNK_BYTES, type BucketName } from './kv.js';
export { writeReleaseContent, readReleaseContent, hasReleaseContent, removeReleaseContent, releaseContentHash, ReleaseContentError, type ReleaseContentBody } from './release-content.js';
export { agentPermissions, agentInboxPrefix, type AgentPermissions } from './agent-permissions.js';
