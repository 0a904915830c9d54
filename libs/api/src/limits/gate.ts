/** Why a gated call was not let in. */
export class GateFullError extends Error {
  override readonly name = 'GateFullError';
  constructor(
    readonly gate: string,
    readonly running: number,
    readonly waiting: number,
  ) {
    super(`the gateway is busy: ${running} ${gate} running and ${waiting} waiting; retry shortly`);
  }
}

export interface GateStats {
  running: number;
  waiting: number;
  refused: number;
}

/**
 * At most `concurrency` calls at once, at most `queue` more waiting (each for at most `waitMs`),
 * the rest refused at once. Expensive reads go through one, so they can never take every database
 * connection: writes and health checks always find one free.
 */
export class Gate {
  private running = 0;
  private refused = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly concurrency: number,
    private readonly queue: number,
    private readonly waitMs = 10_000,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }

  stats(): GateStats {
    return { running: this.running, waiting: this.waiters.length, refused: this.refused };
  }

  private enter(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiters.length >= this.queue) {
      this.refused++;
      return Promise.reject(new GateFullError(this.name, this.running, this.waiters.length));
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        clearTimeout(timer);
        // The slot is handed over by leave(): running stays counted.
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(admit);
        if (i >= 0) this.waiters.splice(i, 1);
        this.refused++;
        reject(new GateFullError(this.name, this.running, this.waiters.length));
      }, this.waitMs);
      this.waiters.push(admit);
    });
  }

  private leave(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.running--;
  }
}

/**
 * The gates of this process. A full chain verification reads every event: one at a time. Other
 * expensive reads (the state as of a position, diffs, previews, building a release) four at a
 * time; the gateway's pool has eight connections, so half are always left for everything else.
 */
export const gates = {
  verify: new Gate('chain verifications', 1, 4),
  heavy: new Gate('expensive reads', 4, 32),
};
