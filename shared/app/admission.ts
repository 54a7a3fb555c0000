// Load shedding for rents: a rent is refused at once, before anything is recorded, when this
// instance already has `limit` rents in flight (recorded, their saga started and not yet settled or
// handed back as 202), or while the store is throttling (a 429 reached the app after its client's
// own retries). The member is told to come back in a second (`Retry-After`) instead of waiting in a
// queue that only grows. Nothing else is shed: reads and returns go on, since a return frees what
// rents need. Each app instance counts its own rents (in Azure, each instance of the Function App):
// the store's throttling is the one signal they all share.

/** A rent let in: `leave` when it has its answer. */
export interface Admitted {
  admitted: true;
  leave(): void;
}

/** A rent turned away, and when to try again (whole seconds, as `Retry-After` says it). */
export interface Refused {
  admitted: false;
  reason: 'rents-in-flight' | 'store-throttling';
  retryAfterSeconds: number;
}

/** How long new rents wait after the store throttled, when it said no time of its own. */
const THROTTLED_FOR_MS = 1_000;

export class RentAdmission {
  private inFlight = 0;
  private throttledUntil = 0;

  constructor(
    /** Rents in flight at most (MAX_RENTALS_IN_FLIGHT). */
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  enter(): Admitted | Refused {
    const wait = this.throttledUntil - this.now();
    if (wait > 0)
      return { admitted: false, reason: 'store-throttling', retryAfterSeconds: Math.ceil(wait / 1000) };
    if (this.inFlight >= this.limit)
      return { admitted: false, reason: 'rents-in-flight', retryAfterSeconds: 1 };
    this.inFlight++;
    let left = false;
    return {
      admitted: true,
      leave: () => {
        if (left) return;
        left = true;
        this.inFlight--;
      },
    };
  }

  /** The store throttled a call past its client's retries: new rents wait as long as it asked (a second at least). */
  throttled(retryAfterMs: number | undefined): void {
    const until = this.now() + Math.max(retryAfterMs ?? 0, THROTTLED_FOR_MS);
    if (until > this.throttledUntil) this.throttledUntil = until;
  }

  /** Rents in flight now. */
  get count(): number {
    return this.inFlight;
  }
}
