/**
 * Subject names are owned here, so publishers, consumers and the NATS permissions given to
 * agents agree on them. Every subject starts with `palisade.`.
 */
export const SUBJECT_ROOT = 'palisade';

/** Characters NATS gives meaning to in a subject token, plus whitespace and control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const UNSAFE = /[.*>\s\u0000-\u001f\u007f%]/gu;

/**
 * Makes an arbitrary identifier (a resource name like `production/allow-tcp-6379`, an id with
 * dots) usable as one subject token: reserved characters are percent-encoded, so distinct ids
 * stay distinct and the encoding can be reversed.
 */
export function subjectToken(value: string): string {
  if (value.length === 0) throw new RangeError('a subject token cannot be empty');
  return value.replace(UNSAFE, (ch) => {
    const code = ch.codePointAt(0)!;
    // Fixed widths keep decoding unambiguous: %XX below 0x100, %uXXXX for wider spaces.
    return code < 0x100 ? '%' + code.toString(16).toUpperCase().padStart(2, '0') : '%u' + code.toString(16).toUpperCase().padStart(4, '0');
  });
}

export function decodeSubjectToken(token: string): string {
  return token.replace(/%u([0-9A-F]{4})|%([0-9A-F]{2})/g, (_, wide: string | undefined, narrow: string | undefined) => String.fromCodePoint(parseInt(wide ?? narrow ?? '0', 16)));
}

export const subjects = {
  /** Domain events relayed from the event store's outbox: palisade.events.<streamType>.<streamId>. */
  event: (streamType: string, streamId: string) => `${SUBJECT_ROOT}.events.${subjectToken(streamType)}.${subjectToken(streamId)}`,
  allEvents: `${SUBJECT_ROOT}.events.>`,
  /** The hash chain's head, published now and then so the log's tail can be checked from outside PostgreSQL. */
  chainAnchor: `${SUBJECT_ROOT}.anchors.chain`,
  /** Agent liveness: palisade.agents.<cluster>.<node>.heartbeat (core NATS, not stored). */
  agentHeartbeat: (cluster: string, node: string) => `${SUBJECT_ROOT}.agents.${subjectToken(cluster)}.${subjectToken(node)}.heartbeat`,
  allAgentHeartbeats: `${SUBJECT_ROOT}.agents.*.*.heartbeat`,
  /** Flow-log batches of one node: palisade.flows.<cluster>.<node> (JetStream, stream PALISADE_FLOWS). */
  agentFlows: (cluster: string, node: string) => `${SUBJECT_ROOT}.flows.${subjectToken(cluster)}.${subjectToken(node)}`,
  allFlows: `${SUBJECT_ROOT}.flows.>`,
  /**
   * The rollout worker asks the gateway to act for a rollout (request/reply, core NATS):
   * palisade.rollouts.drive.<operation>. The gateway holds the database; the worker does not.
   */
  rolloutDrive: (operation: string) => `${SUBJECT_ROOT}.rollouts.drive.${subjectToken(operation)}`,
  allRolloutDrive: `${SUBJECT_ROOT}.rollouts.drive.*`,
} as const;
