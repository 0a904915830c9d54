import { sleep } from '../watch.js';
import { KubernetesApiError, type KubernetesApi } from './kubernetes-api.js';

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

interface KubeList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

export type ReflectorLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/**
 * One kind of object kept in memory from the API server, as client-go's reflector does: list
 * (in pages), then watch from the list's resourceVersion; a watch the server ends is resumed from
 * the last version seen, and one that is too old (410 Gone) or broken starts over from a list.
 */
export class Reflector<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private version: string | undefined;
  private heardAt: number | undefined;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly api: KubernetesApi,
    /** e.g. /api/v1/pods */
    private readonly path: string,
    private readonly query: Record<string, string>,
    private readonly onChange: () => void,
    private readonly log: ReflectorLog,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Resolves after the first complete list. */
  synced(): Promise<void> {
    return this.ready;
  }

  /** Seconds since the API server was last heard from (an event, a bookmark or a list): this loop's lag. */
  lagSeconds(now = Date.now()): number | undefined {
    return this.heardAt === undefined ? undefined : (now - this.heardAt) / 1000;
  }

  async run(signal: AbortSignal): Promise<void> {
    let delay = 500;
    while (!signal.aborted) {
      try {
        if (this.version === undefined) await this.list(signal);
        await this.watch(signal);
        delay = 500;
      } catch (error) {
        if (signal.aborted) return;
        const gone = error instanceof KubernetesApiError && error.status === 410;
        this.version = undefined;
        if (gone) continue; // the version is too old: list again at once
        this.log('warn', `watching ${this.path} broke; listing again`, { error: (error as Error).message, retryInMs: delay });
        await sleep(delay, signal).catch(() => undefined);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let next: string | undefined;
    let version: string | undefined;
    do {
      const page = await this.api.get<KubeList<T>>(this.url({ limit: '500', ...(next ? { continue: next } : {}) }), signal);
      for (const item of page.items ?? []) fresh.set(keyOf(item), item);
      next = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion;
    } while (next);
    this.items.clear();
    for (const [k, v] of fresh) this.items.set(k, v);
    this.version = version;
    this.heardAt = Date.now();
    this.markReady();
    this.onChange();
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const query = { watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(240 + Math.floor(Math.random() * 120)), ...(this.version ? { resourceVersion: this.version } : {}) };
    await this.api.stream(
      this.url(query),
      (line) => {
        const event = JSON.parse(line) as WatchEvent;
        this.heardAt = Date.now();
        if (event.type === 'ERROR') throw new KubernetesApiError(`watch ${this.path}: ${event.object.message ?? 'error'}`, event.object.code ?? 500);
        if (event.object.metadata?.resourceVersion) this.version = event.object.metadata.resourceVersion;
        if (event.type === 'BOOKMARK') return;
        const item = event.object as unknown as T;
        if (event.type === 'DELETED') this.items.delete(keyOf(item));
        else this.items.set(keyOf(item), item);
        this.onChange();
      },
      signal,
    );
  }

  private url(extra: Record<string, string>): string {
    return `${this.path}?${new URLSearchParams({ ...this.query, ...extra }).toString()}`;
  }
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
