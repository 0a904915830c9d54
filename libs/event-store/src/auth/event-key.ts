import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Why an event read from the log is not accepted as written by a Palisade writer. */
export type EventAuthProblem = 'no MAC' | 'a MAC by another key' | 'a MAC that does not match' | 'content that does not match its hash';

/**
 * The writers' secret: every event is stored with an HMAC of its content hash under this key, and
 * readers that hold it refuse events without a valid one. The database never sees the key, so
 * whoever can write rows (a superuser, a leaked app password) still cannot make events readers
 * accept. Events up to `legacyUpTo` were written before the log had a key and carry no MAC.
 */
export class EventKey {
  /** Names the key in every MAC: 12 hex digits of the key's SHA-256 (which does not reveal it). */
  readonly kid: string;
  private readonly secret: Buffer;
  legacyUpTo = 0;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error(`an event key needs at least 32 bytes; this one has ${secret.length}`);
    this.secret = secret;
    this.kid = createHash('sha256').update(secret).digest('hex').slice(0, 12);
  }

  /** A key from its base64 (or base64url) text, as PALISADE_EVENT_KEY holds it. */
  static fromText(text: string): EventKey {
    return new EventKey(Buffer.from(text.trim(), 'base64'));
  }

  sign(contentHash: string): string {
    return `${this.kid}:${this.hmac(`event|${contentHash}`)}`;
  }

  /** The MAC of a key's own row in event_keys: where its unsigned prefix ends cannot be moved. */
  signIntroduction(sincePosition: number): string {
    return `${this.kid}:${this.hmac(`key|${this.kid}|${sincePosition}`)}`;
  }

  /** Undefined when the MAC is this key's and matches; otherwise why not. */
  check(contentHash: string, mac: string | null, position: number): EventAuthProblem | undefined {
    if (mac === null) return position <= this.legacyUpTo ? undefined : 'no MAC';
    return this.matches(mac, `event|${contentHash}`);
  }

  checkIntroduction(sincePosition: number, mac: string): boolean {
    return this.matches(mac, `key|${this.kid}|${sincePosition}`) === undefined;
  }

  /**
   * The MAC of a record derived from the log and stored beside it (a resource snapshot): whoever
   * can write rows could otherwise change what it answers for the log.
   */
  signDerived(kind: string, position: number, content: string): string {
    return `${this.kid}:${this.hmac(`${kind}|${position}|`, content)}`;
  }

  /** Undefined when a derived record's MAC is this key's and matches; otherwise why not. */
  checkDerived(kind: string, position: number, content: string, mac: string | null): EventAuthProblem | undefined {
    if (mac === null) return 'no MAC';
    return this.matches(mac, `${kind}|${position}|`, content);
  }

  private matches(mac: string, message: string, content?: string): EventAuthProblem | undefined {
    const [kid, hex] = mac.split(':');
    if (kid !== this.kid) return 'a MAC by another key';
    const want = Buffer.from(this.hmac(message, content), 'hex');
    const got = Buffer.from(hex ?? '', 'hex');
    return got.length === want.length && timingSafeEqual(got, want) ? undefined : 'a MAC that does not match';
  }

  /** `content` is hashed after `message` without joining the two (a snapshot is megabytes). */
  private hmac(message: string, content?: string): string {
    const mac = createHmac('sha256', this.secret).update(message);
    if (content !== undefined) mac.update(content);
    return mac.digest('hex');
  }
}
