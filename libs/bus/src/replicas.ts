/**
 * How many copies JetStream keeps of every Palisade stream and bucket: 1 on a single server (the
 * local stack), 3 on a NATS cluster, so losing one server loses nothing. Set once at start-up by
 * the process that creates them (the gateway: NATS_STREAM_REPLICAS), before it creates any; an
 * existing stream with fewer replicas is scaled up when it is ensured.
 */
let replicas = 1;

export function setStreamReplicas(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 5) throw new RangeError(`stream replicas: 1 to 5 (JetStream's limit), not ${count}`);
  replicas = count;
}

export const streamReplicas = (): number => replicas;
