// One clock for the whole host: durable timestamps, timers, TTL and the app's own "now".
// With dev features on it can be moved, only forward (what has happened, timers fired and rentals
// due, stays in the past) and by a bounded step, so every time it shows stays a valid date; the
// offset is kept in the data file so a restart keeps the time. The host's consumer threads read the
// same offset (shared memory) and re-arm their waits when the main thread says it moved.

const DAY_MS = 24 * 60 * 60 * 1000;
/** The largest single move: ten years (3650 days). */
export const MAX_CLOCK_MOVE_MS = 3650 * DAY_MS;
/** The clock never runs further than this ahead of real time: a hundred years (36,525 days). */
export const MAX_CLOCK_OFFSET_MS = 36_525 * DAY_MS;

/** Whether an offset from real time is within the bound (a clock may also start behind real time). */
export function isValidClockOffset(offsetMs: number): boolean {
  return Number.isSafeInteger(offsetMs) && Math.abs(offsetMs) <= MAX_CLOCK_OFFSET_MS;
}

export interface Clock {
  /** Milliseconds since the epoch, as this host sees time. */
  now(): number;
  /** Calls `fn` once when the clock reaches `atMs` (real time passes, or the clock is moved). */
  at(atMs: number, fn: () => void): () => void;
  /** Calls `fn` whenever the clock is moved by `advance`/`set`. */
  onMove(fn: () => void): () => void;
  readonly controllable: boolean;
  advance(ms: number): void;
  set(atMs: number): void;
}

interface Pending {
  atMs: number;
  fn: () => void;
  timer?: NodeJS.Timeout;
  done: boolean;
}

// setTimeout cannot wait longer than ~24.8 days; longer waits re-arm.
const MAX_TIMEOUT = 2 ** 31 - 1;

export class HostClock implements Clock {
  /** The offset from real time, in memory the host's threads share. */
  private readonly offset: Float64Array;
  private readonly pending = new Set<Pending>();
  private readonly movers = new Set<() => void>();

  /** `following`: the memory of another thread's clock, whose time this one shows (see `following`). */
  constructor(
    readonly controllable: boolean,
    initialOffsetMs = 0,
    private readonly persistOffset: (offsetMs: number) => void = () => {},
    following?: SharedArrayBuffer,
  ) {
    if (controllable && !isValidClockOffset(initialOffsetMs)) {
      throw new RangeError(`Clock offset ${initialOffsetMs} ms is out of range.`);
    }
    this.offset = new Float64Array(following ?? new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
    if (!following) this.offset[0] = controllable ? initialOffsetMs : 0;
  }

  /**
   * A consumer thread's view of the host clock whose `shared` memory it is given: the same time,
   * never moved from here; `followMove` when the main thread says it moved.
   */
  static following(shared: SharedArrayBuffer): HostClock {
    return new HostClock(false, 0, undefined, shared);
  }

  /** The memory that holds the offset, for `HostClock.following` on another thread. */
  get shared(): SharedArrayBuffer {
    return this.offset.buffer as SharedArrayBuffer;
  }

  now(): number {
    return Date.now() + this.offset[0];
  }

  at(atMs: number, fn: () => void): () => void {
    const p: Pending = { atMs, fn, done: false };
    this.pending.add(p);
    this.arm(p);
    return () => this.cancel(p);
  }

  onMove(fn: () => void): () => void {
    this.movers.add(fn);
    return () => this.movers.delete(fn);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The clock only moves forward.');
    this.moveTo(this.now() + ms);
  }

  set(atMs: number): void {
    if (!Number.isFinite(atMs)) throw new RangeError('Not a time.');
    if (atMs < this.now()) throw new RangeError('The clock only moves forward.');
    this.moveTo(atMs);
  }

  /** Cancels every pending callback (host shutdown). */
  dispose(): void {
    for (const p of this.pending) this.cancel(p);
  }

  private moveTo(atMs: number): void {
    if (!this.controllable) throw new Error('The clock can be moved only with dev features on.');
    if (atMs - this.now() > MAX_CLOCK_MOVE_MS) {
      throw new RangeError('The clock moves at most 3650 days (ten years) at a time.');
    }
    const offsetMs = Math.round(atMs - Date.now());
    if (!isValidClockOffset(offsetMs)) {
      throw new RangeError('The clock runs at most 36525 days (a hundred years) ahead of real time.');
    }
    this.offset[0] = offsetMs;
    this.persistOffset(offsetMs);
    this.followMove();
  }

  /** Re-arms the waits and tells the listeners: the time moved (here, or on the main thread). */
  followMove(): void {
    for (const p of [...this.pending]) {
      if (p.timer) clearTimeout(p.timer);
      this.arm(p);
    }
    for (const fn of [...this.movers]) fn();
  }

  private arm(p: Pending): void {
    const wait = p.atMs - this.now();
    p.timer =
      wait > MAX_TIMEOUT
        ? setTimeout(() => this.arm(p), MAX_TIMEOUT)
        : setTimeout(() => this.fire(p), Math.max(0, wait));
    p.timer.unref();
  }

  private fire(p: Pending): void {
    if (p.done) return;
    // Real time may lag a moved clock by a millisecond; re-arm rather than fire early.
    if (p.atMs > this.now()) return this.arm(p);
    this.cancel(p);
    p.fn();
  }

  private cancel(p: Pending): void {
    p.done = true;
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(p);
  }
}

/** Parses an ISO 8601 duration such as `P8D`, `PT1H30M`, `P1DT2H`, `PT0.5S` into milliseconds. */
export function parseIsoDuration(text: string): number {
  const m =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text,
    );
  if (!m || text === 'P' || text.endsWith('T')) throw new RangeError(`Not an ISO 8601 duration: ${text}`);
  const [, w, d, h, min, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** A length of time as an ISO 8601 duration in days, hours, minutes and seconds (`P1D`, `PT1H30M`). */
export function formatIsoDuration(ms: number): string {
  const seconds = ms / 1000;
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Number((seconds % 60).toFixed(3));
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : d ? '' : 'T0S'}`;
}
